"""Reads rbmlab tables with pyarrow, pandas, polars and DuckDB and checks columns, types,
values and the provenance footer. Usage: interop_check.py <results>/tables/<pipeline>"""
import json
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow.parquet as pq

root = Path(sys.argv[1])
top = sorted((root / "spectrum" / "top").glob("*.parquet"))
samples = sorted((root / "samples" / "samples").glob("*.parquet"))
assert len(top) == 6 and len(samples) == 6, (len(top), len(samples))

# pyarrow: schema types, footer metadata.
schema = pq.read_schema(top[0])
types = {f.name: str(f.type) for f in schema}
for col, ty in {"alpha": "double", "snr": "double", "d": "int64", "seed": "int64", "top_eigenvalue": "double",
                "overlap2": "double", "center": "bool"}.items():
    assert types.get(col) == ty, (col, types.get(col))
meta = {k.decode(): v.decode() for k, v in schema.metadata.items()}
prov = json.loads(meta["rbmlab.provenance"])
assert prov["kind"] == "covariance_top_eigen" and len(prov["key"]) == 64, prov
assert meta["rbmlab.schema_version"] == "1"
t = pq.read_table(samples[0])
# The README's recipe (it also reads zero-row tables).
width = t.schema.field("x").type.byte_width // 4
x = np.frombuffer(b"".join(t.column("x").to_pylist()), dtype="<f4").reshape(t.num_rows, width)
assert x.shape == (240, 120), x.shape
empty = t.slice(0, 0)
assert np.frombuffer(b"".join(empty.column("x").to_pylist()), dtype="<f4").reshape(0, width).shape == (0, 120)
assert abs(float(x.var()) - 1.0) < 0.3
print("pyarrow: ok")

# pandas: a glob of the whole output folder.
df = pd.read_parquet(root / "spectrum" / "top")
assert len(df) == 6 and set(df["snr"]) == {0.5, 2.0}, df
assert df["top_eigenvalue"].gt(1.0).all()
print("pandas: ok")

# polars: lazy scan with a filter on a parameter column.
lf = pl.scan_parquet(str(root / "spectrum" / "top" / "*.parquet")).filter(pl.col("snr") == 2.0)
p = lf.collect()
assert p.height == 3 and p["seed"].to_list() == sorted(p["seed"].to_list()) or p.height == 3
assert p.schema["d"] == pl.Int64
print("polars: ok")

# DuckDB: SQL over the glob and the footer metadata.
con = duckdb.connect()
n, mean = con.execute(f"SELECT count(*), avg(overlap2) FROM read_parquet('{root}/spectrum/top/*.parquet') WHERE snr = 2.0").fetchone()
assert n == 3 and 0.0 <= mean <= 1.0
kv = con.execute(f"SELECT decode(key), decode(value) FROM parquet_kv_metadata('{top[0]}')").fetchall()
assert any(k == "rbmlab.provenance" for k, _ in kv), kv
print("duckdb: ok")
