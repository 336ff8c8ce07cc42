"""The form in which output rows go to the Parquet writer: each text leaf that is not
inside a list (policy, outcome, segment, route, zone, error) as a dictionary column.

A chunk's rows take their values from a few hundred combinations (``assembly``), so a
text column is a small dictionary and an index per row (:func:`indexed`) rather than a
copy of the text in every row; the Parquet writer writes such a column's dictionary page
and indices as they are, without hashing every value again. The file holds plain text
columns as before (dictionary pages are how Parquet stores repeated values in any case):
the writer does not store the Arrow schema in the file (``store_schema=False``), so a
reader gets ``string``, not ``dictionary``, and the same table as before.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

#: a text leaf as written: int32 indices into a dictionary of texts
TEXT = pa.dictionary(pa.int32(), pa.string())


def dictionary_type(typ: pa.DataType) -> pa.DataType:
    """``typ`` with every text leaf outside a list as :data:`TEXT`."""
    if pa.types.is_string(typ):
        return TEXT
    if pa.types.is_struct(typ):
        return pa.struct([pa.field(f.name, dictionary_type(f.type), f.nullable) for f in typ])
    return typ


def dictionary_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([pa.field(f.name, dictionary_type(f.type), f.nullable) for f in schema])


def with_dictionaries(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` (plain text columns) in ``schema`` (:func:`dictionary_schema` of its own)."""
    if table.schema.equals(schema):
        return table
    columns = [_encoded(_whole(table.column(f.name)), f.type) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


def indexed(values: pa.Array, index: np.ndarray) -> pa.Array:
    """``values.take(index)`` in :func:`dictionary_type` form: for a column of a few
    group values taken by many rows, each text leaf as the group values' dictionary and
    the rows' indices into it (a struct's validity taken alike)."""
    typ = values.type
    if pa.types.is_struct(typ):
        children = [indexed(child, index) for child in values.flatten()]
        mask = None
        if values.null_count:
            mask = pa.array(values.is_null().to_numpy(zero_copy_only=False)[index])
        return pa.StructArray.from_arrays(
            children, fields=[pa.field(f.name, c.type, f.nullable)
                              for f, c in zip(typ, children, strict=True)], mask=mask)
    if pa.types.is_string(typ):
        encoded = values.dictionary_encode()
        codes = encoded.indices
        rows = np.asarray(codes.fill_null(0).to_numpy(zero_copy_only=False),
                          dtype=np.int32)[index]
        missing = None
        if codes.null_count:
            missing = codes.is_null().to_numpy(zero_copy_only=False)[index]
        return pa.DictionaryArray.from_arrays(pa.array(rows, mask=missing), encoded.dictionary)
    return values.take(pa.array(index))


def _whole(column: pa.ChunkedArray) -> pa.Array:
    return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)


def _encoded(array: pa.Array, typ: pa.DataType) -> pa.Array:
    if array.type.equals(typ):
        return array
    if pa.types.is_struct(typ):
        children = [_encoded(child, f.type) for child, f in zip(array.flatten(), typ,
                                                                 strict=True)]
        return pa.StructArray.from_arrays(children, fields=list(typ),
                                          mask=array.is_null() if array.null_count else None)
    if pa.types.is_dictionary(typ):
        return array.dictionary_encode()
    return array.cast(typ)
