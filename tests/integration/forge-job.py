# forge-job.py ENTRY_DIR PY_STMT [redigest]: the hostile-bundle tool of the
# t02xx and t05xx tests.  Loads ENTRY_DIR/job.json as dict j (uid set from
# the folder name), runs PY_STMT on it (ent(path, data, mode) makes a
# manifest entry), then optionally recomputes code_sha256 from the sorted
# files, so that only the intended flaw remains, and writes it back.
import json, sys, hashlib
d, stmt = sys.argv[1], sys.argv[2]
j = json.load(open(d + "/job.json"))
j["uid"] = d.rstrip("/").split("/")[-1]
def ent(path, data=b"", mode="0644"):
    return {"path": path, "size": len(data), "mode": mode, "sha256": hashlib.sha256(data).hexdigest()}
exec(stmt)
if len(sys.argv) > 3:
    j["files"].sort(key=lambda f: f["path"].encode())
    h = hashlib.sha256()
    for f in j["files"]:
        h.update(("%s\0%d\0%s\0%s\n" % (f["path"], f["size"], f["mode"], f["sha256"])).encode())
    j["code_sha256"] = h.hexdigest()
open(d + "/job.json", "w").write(json.dumps(j))
