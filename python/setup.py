"""pip install --no-build-isolation ./python  (after `make`, which builds
build/libscq.a; set SCQ_BUILD to use another build folder)."""
import os
import subprocess

from setuptools import Extension, setup

HERE = os.path.dirname(os.path.abspath(__file__))
os.chdir(HERE)
ROOT = os.path.dirname(HERE)
BUILD = os.environ.get("SCQ_BUILD", os.path.join(ROOT, "build"))
LIB = os.path.join(BUILD, "libscq.a")
if not os.path.exists(LIB):
    raise SystemExit("syft_code_queue: %s is missing; run `make` in %s first" % (LIB, ROOT))
libs = subprocess.run(["pkg-config", "--libs", "jansson", "libsodium", "libseccomp"],
                      capture_output=True, text=True, check=True).stdout.split()

setup(
    name="syft_code_queue",
    version="0.2.0",
    description="syft-code-queue on libscq: submit code, review, approve, run",
    packages=["syft_code_queue", "syft_code_queue.model", "syft_code_queue.views"],
    package_dir={"syft_code_queue": "syft_code_queue"},
    ext_modules=[Extension(
        "syft_code_queue._scq", sources=["_scq.c", "_scq_decide.c", "_scq_module.c", "_scq_convert.c", "_scq_fresh.c",
                                           "_scq_listing.c"],
        include_dirs=[os.path.join(ROOT, "include")],
        # only PyInit__scq is exported, as with `make python` (Makefile.inc)
        extra_compile_args=["-std=c11", "-D_GNU_SOURCE", "-fvisibility=hidden"],
        extra_objects=[LIB], extra_link_args=libs + ["-lm", "-Wl,--exclude-libs,ALL"])],
    python_requires=">=3.8",
)
