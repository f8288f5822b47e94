"""Mean and spread of the patients' ages with numpy.  Only aggregates leave
the owner's machine."""
import csv
import glob
import json
import os

import numpy as np

data_dir = os.environ.get("DATA_DIR", "/data")
out_dir = os.environ.get("OUTPUT_DIR", ".")
files = sorted(glob.glob(os.path.join(data_dir, "patients", "*.csv")))
if not files:
    raise SystemExit("no patients dataset under %s" % data_dir)
ages = []
for path in files:
    with open(path, newline="") as f:
        ages += [float(row["age"]) for row in csv.DictReader(f)]
a = np.array(ages)
result = {"n": int(a.size), "mean_age": round(float(a.mean()), 2),
          "sd_age": round(float(a.std()), 2), "numpy": np.__version__}
with open(os.path.join(out_dir, "result.json"), "w") as f:
    json.dump(result, f, indent=2, sort_keys=True)
print("analysed %d patients with numpy %s" % (a.size, np.__version__))
