"""QueueConfig: the data owner's queue settings, live (q.config) or as a
set of wanted values applied at once (QueueConfig(...).apply())."""
import json
import tempfile

from .._scq import ConfigError, Handle, config_keys

_QUEUE_NAME = "code-queue"


class QueueConfig:
    """The data owner's queue settings (the settings store, `scq config`).

        cfg = q.config; cfg.job_timeout = 600; cfg.to_dict()   # live: read/write one
        cfg = q.QueueConfig(queue_name="code-queue", max_concurrent_jobs=3,
                            job_timeout=600, cleanup_completed_after=86400)
        cfg.apply()       # validates every setting, then writes them

    Constructing one has no side effects (no identity is opened, nothing is
    written); its settings are read back from it until apply().  apply()
    checks every value with the library (on a scratch store) before writing
    any.  Assigning an attribute writes that one setting at once.  The
    seed's queue_name is accepted: the queue's folder is always
    "code-queue", so apply() refuses any other name and writes nothing.
    """
    def __init__(self, client=None, **settings):
        known = set(config_keys()) | {"queue_name"}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise TypeError("QueueConfig: unknown setting%s %s (known: %s)" % (
                "" if len(unknown) == 1 else "s", ", ".join(map(repr, unknown)),
                ", ".join(sorted(known))))
        object.__setattr__(self, "_cl", client)
        object.__setattr__(self, "_pending", dict(settings))

    @property
    def queue_name(self):
        return self._pending.get("queue_name", _QUEUE_NAME)

    # client.default_client, set by client.py (which imports this module)
    _default_client = None

    @property
    def _client(self):
        if self._cl is None:
            object.__setattr__(self, "_cl", self._default_client())
        return self._cl

    @staticmethod
    def keys():
        return list(config_keys())

    @staticmethod
    def _value(value):
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def _live(self):
        return json.loads(self._client._h.config_json())

    def to_dict(self):
        d = {"queue_name": self.queue_name}
        d.update(self._live())
        d.update((k, v) for k, v in self._pending.items() if k != "queue_name")
        return d

    def __getattr__(self, key):
        if key.startswith("_") or key not in config_keys():
            raise AttributeError(key)
        if key in self._pending:
            return self._pending[key]
        return self._live()[key]

    def __setattr__(self, key, value):
        if key == "queue_name":  # the seed's; checked by apply(), never a setting
            self._pending[key] = value
            return
        if key not in config_keys():
            raise AttributeError("unknown setting %r (known: %s)" %
                                 (key, ", ".join(config_keys())))
        self._client._h.config_set(key, self._value(value))
        self._pending.pop(key, None)

    def _check(self, settings):
        """Every setting through the library on a scratch store that holds
        the current settings: raises the library's error, writes nothing here."""
        qn = settings.get("queue_name", _QUEUE_NAME)
        if qn != _QUEUE_NAME:
            raise ConfigError("queue_name %r: this queue's folder is always %r "
                              "(app_data/%s); nothing was written" % (qn, _QUEUE_NAME, _QUEUE_NAME))
        with tempfile.TemporaryDirectory(prefix="scq-config-check-") as tmp:
            h = Handle(email=self._client.email, data_dir=tmp)
            try:
                h.init_datasite()
                for k, v in self._live().items():
                    h.config_set(k, self._value(v))
                for k, v in settings.items():
                    if k != "queue_name":
                        h.config_set(k, self._value(v))
            finally:
                h.close()

    def apply(self):
        """Validate every setting given to the constructor, then write them
        all (in the order given); returns self.  Nothing is written if any
        value is refused."""
        pending = dict(self._pending)
        self._check(pending)
        for k, v in pending.items():
            if k != "queue_name":
                self._client._h.config_set(k, self._value(v))
                self._pending.pop(k, None)
        return self

    def update(self, **settings):
        """Validate and write several settings at once (nothing is written
        if one is refused); returns self."""
        QueueConfig(self._client, **settings).apply()
        for k in settings:
            self._pending.pop(k, None)
        return self

    def __repr__(self):
        return "QueueConfig(%s)" % ", ".join("%s=%r" % kv for kv in self.to_dict().items())
