"""The clients this process knows, without importing them: the default
one behind the module functions (held here, opened by
client.default_client()), and those a rendered page names by token (its
buttons act as the identity that rendered it).  Light on purpose: the
package's q._state is this module's `state`, imported with the package."""

state = {"client": None}  # the default Client, or None until first use
_by_token = {}


def client_token(client):
    """A key under which a page's button finds this client again ("" for none)."""
    if client is None:
        return ""
    tok = "c%x" % id(client)
    _by_token[tok] = client
    return tok


def client_of_token(token):
    """The client a page's token names, or None."""
    return _by_token.get(token)
