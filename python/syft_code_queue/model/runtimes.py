"""The runtimes an owner provides (doc/protocol.md section 12): the
owner's registry and publication, and what a requester reads of another
owner's publication.  A mixin of Client (self._h is the handle)."""
import json
import os


class RuntimesMixin:
    def add_runtime(self, name, path):
        """Owner: jobs may run on the directory path (a venv, a conda
        prefix, /usr), read-only at /runtime/<name>; published."""
        self._h.runtime_add(str(name), os.fspath(path))

    def remove_runtime(self, name):
        self._h.runtime_remove(str(name))

    def list_runtimes(self):
        return json.loads(self._h.runtime_list())

    def publish_runtimes(self):
        """Owner: scan the runtimes again (after installing packages)."""
        self._h.runtime_publish()

    def runtimes(self, owner):
        """What owner's runtimes hold, as published: {owner, default,
        runtimes: {name: {interpreter: {python}, packages: {name: version},
        packages_found, cut?}}, dropped}.  Raises NotFound when the owner
        publishes none."""
        return json.loads(self._h.runtimes_of(str(owner)))
