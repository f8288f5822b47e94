# probe.py - run inside the sandbox by t-sandbox.c: tries one kernel
# operation per argument and prints "name=errno" (0 = it worked).
# Syscall numbers are x86_64.  Each call gets harmless bad arguments, so
# a call the filter lets through fails with EBADF/EFAULT/EINVAL instead.
import ctypes, mmap, socket, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NR = dict(ptrace=101, keyctl=250, bpf=321, perf_event_open=298, userfaultfd=323,
          io_uring_setup=425, open_by_handle_at=304, kexec_load=246,
          init_module=175, mount=165, inotify_add_watch=254,
          fanotify_init=300, fanotify_mark=301, unshare=272, setns=308, clone3=435)
ARGS = dict(ptrace=(0, 0, 0, 0), unshare=(0x10000000,), setns=(-1, 0),
            clone3=(0, 0), mount=(0, 0, 0, 0, 0))

def sysc(name):
    a = [ctypes.c_long(x) for x in ARGS.get(name, (-1, 0, 0, 0, 0))]
    r = libc.syscall(ctypes.c_long(NR[name]), *a)
    return 0 if r >= 0 else ctypes.get_errno()

def sock(af):
    try:
        socket.socket(af, socket.SOCK_STREAM if af in (1, 2, 10) else socket.SOCK_DGRAM).close()
        return 0
    except OSError as e:
        return e.errno

def tiocsti():
    c = ctypes.c_char(b'x')
    r = libc.syscall(ctypes.c_long(16), ctypes.c_long(0),
                     ctypes.c_ulong(0x5412 | (1 << 32)), ctypes.byref(c))
    return 0 if r >= 0 else ctypes.get_errno()

def int80():
    # mov eax, 20 (i386 getpid); int 0x80; ret
    code = b"\xb8\x14\x00\x00\x00\xcd\x80\xc3"
    m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    m.write(code)
    addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
    return ctypes.CFUNCTYPE(ctypes.c_int)(addr)()

def inotify_usr():
    # a real watch on a shared host folder (what the filter must stop)
    fd = libc.inotify_init1(0)
    if fd < 0:
        return ctypes.get_errno()
    r = libc.inotify_add_watch(fd, b"/usr/bin", 0x20)  # IN_OPEN
    return 0 if r >= 0 else ctypes.get_errno()

def connect(port):
    try:
        s = socket.socket()
        s.settimeout(2)
        s.connect(("127.0.0.1", int(port)))
        return 0
    except OSError as e:
        return e.errno or 110

out = []
for arg in sys.argv[1:]:
    if arg.startswith("af"):
        out.append("%s=%d" % (arg, sock(int(arg[2:]))))
    elif arg.startswith("connect"):
        out.append("%s=%d" % (arg, connect(arg[7:])))
    elif arg == "tiocsti":
        out.append("tiocsti=%d" % tiocsti())
    elif arg == "inotify_usr":
        out.append("inotify_usr=%d" % inotify_usr())
    elif arg == "int80":
        sys.stdout.flush()
        out.append("int80=%d" % int80())
    else:
        out.append("%s=%d" % (arg, sysc(arg)))
print(" ".join(out))
