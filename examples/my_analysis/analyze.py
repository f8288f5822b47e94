"""Mean age of the patients dataset, by sex.  Only aggregates leave the
owner's machine: counts and means, and groups smaller than MIN_GROUP are
suppressed."""
import csv
import glob
import json
import os

MIN_GROUP = 3
data_dir = os.environ.get("DATA_DIR", "/data")
out_dir = os.environ.get("OUTPUT_DIR", ".")
files = sorted(glob.glob(os.path.join(data_dir, "patients", "*.csv")))
if not files:
    raise SystemExit("no patients dataset under %s (the owner exposes it with "
                     "q.add_dataset('patients', PATH))" % data_dir)

groups = {}
for path in files:
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            groups.setdefault(row.get("sex", "?"), []).append(float(row["age"]))

ages = [a for g in groups.values() for a in g]
result = {"n": len(ages), "mean_age": round(sum(ages) / len(ages), 2), "by_sex": {}}
for sex, g in sorted(groups.items()):
    result["by_sex"][sex] = ({"n": len(g), "mean_age": round(sum(g) / len(g), 2)}
                             if len(g) >= MIN_GROUP else {"n": "<%d" % MIN_GROUP})
with open(os.path.join(out_dir, "result.json"), "w") as f:
    json.dump(result, f, indent=2, sort_keys=True)
with open(os.path.join(out_dir, "result.txt"), "w") as f:
    f.write("patients: %d, mean age: %.2f\n" % (result["n"], result["mean_age"]))
print("analysed %d patients from %d file(s)" % (len(ages), len(files)))
