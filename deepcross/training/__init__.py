"""How tables train: row-sparse steps and the table optimizers that update touched rows."""

from deepcross.training.adagrad import Adagrad
from deepcross.training.lazy_adam import LazyAdam
from deepcross.training.row_wise_adagrad import RowWiseAdagrad
from deepcross.training.sgd import SGD
from deepcross.training.table_optimizer import TableOptimizer
from deepcross.training.table_optimizers import get

__all__ = ["Adagrad", "LazyAdam", "RowWiseAdagrad", "SGD", "TableOptimizer", "get"]
