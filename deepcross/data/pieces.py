"""Encoded rows in flight: a piece is a list of arrays with equal first axes (the features'
model inputs, then the labels). Rechunking, the seeded shuffle buffer and batching work on
pieces, and count the rows they hold, so a test can see memory stays bounded."""

import queue
import threading

import numpy as np


class Held:
    """Rows inside the pipeline (read, not yet handed out in a batch), and the most ever."""

    def __init__(self):
        self.rows = 0
        self.most = 0

    def add(self, rows):
        self.rows += rows
        self.most = max(self.most, self.rows)

    def remove(self, rows):
        self.rows -= rows


def rows(piece):
    return len(piece[0])


def concat(pieces):
    if len(pieces) == 1:
        return pieces[0]
    return [np.concatenate(arrays) for arrays in zip(*pieces)]


def take(piece, index):
    return [array[index] for array in piece]


def rechunk(pieces, size):
    """Pieces of exactly `size` rows, the last one possibly fewer, whatever came in."""
    pending, held = [], 0
    for piece in pieces:
        if rows(piece) == 0:
            continue
        pending.append(piece)
        held += rows(piece)
        if held < size:
            continue
        joined = concat(pending)
        cut = held - held % size
        for start in range(0, cut, size):
            yield take(joined, slice(start, start + size))
        pending = [take(joined, slice(cut, None))] if cut < held else []
        held -= cut
    if held:
        yield concat(pending)


def shuffled(pieces, rng, buffer_rows, chunk_rows):
    """The rows of `pieces`, shuffled through a buffer of `buffer_rows` rows.

    Rows come in `chunk_rows` at a time. Until the buffer is full they fill it; then each
    chunk of `c` rows swaps with the buffer: `c` rows drawn at random from the buffer and the
    chunk together go out, in random order, and the chunk's rows not drawn take the places of
    the buffer rows that were. At the end the buffer goes out in random order. With at most
    `buffer_rows` rows in all, that is a uniform shuffle. The draws depend only on `rng` and
    the number of rows, not on how the pieces were cut, so a seed gives the same order from a
    CSV file, a Parquet file or the cache.
    """
    buffer, filled = None, 0
    for chunk in rechunk(pieces, chunk_rows):
        if buffer is None:
            buffer = [np.empty((buffer_rows, *a.shape[1:]), a.dtype) for a in chunk]
        if filled < buffer_rows:
            take_rows = min(buffer_rows - filled, rows(chunk))
            for target, array in zip(buffer, chunk):
                target[filled : filled + take_rows] = array[:take_rows]
            filled += take_rows
            chunk = take(chunk, slice(take_rows, None))
            if rows(chunk) == 0:
                continue
        count = rows(chunk)
        drawn = rng.permutation(buffer_rows + count)[:count]
        from_buffer = drawn < buffer_rows
        out = [np.empty_like(array) for array in chunk]
        for target, held, new in zip(out, buffer, chunk):
            target[from_buffer] = held[drawn[from_buffer]]
            target[~from_buffer] = new[drawn[~from_buffer] - buffer_rows]
        stay = np.ones(count, bool)
        stay[drawn[~from_buffer] - buffer_rows] = False
        for held, new in zip(buffer, chunk):
            held[drawn[from_buffer]] = new[stay]
        yield out
    if filled:
        yield take([held[:filled] for held in buffer], rng.permutation(filled))


def batches(pieces, batch_size, held):
    """Batches of `batch_size` rows (the last one possibly fewer); each leaves `held`."""
    for batch in rechunk(pieces, batch_size):
        held.remove(rows(batch))
        yield batch


def read_ahead(source, depth=1):
    """The items of the iterator `source`, made in a thread of their own up to `depth` ahead.

    Reading and encoding a chunk (pyarrow and numpy, which mostly release the GIL) then
    overlap with the batches of the chunk before it being used. At most `depth` items are
    made and not yet taken: the thread starts on the next one only when one is taken.
    Closing this generator stops the thread and closes `source` there (so an unfinished pass
    discards its cache) before it returns; an error in `source` is raised here.
    """
    items, slots, stop = queue.SimpleQueue(), threading.Semaphore(depth), threading.Event()

    def produce():
        try:
            while True:
                while not slots.acquire(timeout=0.1):
                    if stop.is_set():
                        return
                if stop.is_set():
                    return
                item = next(source, _END)
                items.put((item is not _END, item))
                if item is _END:
                    return
        except BaseException as error:  # handed to the consumer, which raises it
            items.put((False, error))
        finally:
            source.close()

    thread = threading.Thread(target=produce, name="deepcross-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            more, item = items.get()
            if more:
                slots.release()
                yield item
            elif item is _END:
                return
            else:
                raise item
    finally:
        stop.set()
        thread.join()


_END = object()
