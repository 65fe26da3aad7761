"""A `FeatureSpec` as a table to read: one row per feature, as `summary` prints it."""

import pandas as pd


def summary_frame(spec):
    """One row per feature: kind, columns, model input columns (`input`, e.g. `int32[1:3]`,
    see `layout`), table, rows, dim, combiner, scaling, width."""
    rows = []
    for feature in spec.features:
        key, start, stop, _ = spec.layout.slots[feature.name]
        table = feature.table.name if feature.table is not None else ""
        learned = feature.state_key is None or feature.state_key in spec.learned
        rows.append(
            {
                "feature": feature.name,
                "kind": type(feature).__name__,
                "columns": ", ".join(feature.source_columns),
                "input": f"{key}[{start}:{stop}]",
                "table": table,
                "rows": spec.table_rows(table) if table and learned else "",
                "dim": spec.embedding_dim(table) if table and learned else "",
                "combiner": getattr(feature, "combiner", "") if table else "",
                "scaling": getattr(feature, "scaling", None) or "",
                "width": spec.output_dim(feature) if learned else "?",
            }
        )
    return pd.DataFrame(rows).set_index("feature")


def summary_text(spec):
    """The spec's state and its `summary_frame`, as `str(spec)` and `summary` show them."""
    state = "adapted" if spec.is_adapted else "not adapted: call adapt(data)"
    return f"FeatureSpec ({state})\n{summary_frame(spec).to_string()}"
