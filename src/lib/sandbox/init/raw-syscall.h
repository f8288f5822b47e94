/*
 * raw-syscall.h - system calls and the process entry point for the
 * sandbox init (scq-init.c), which links no C library at all.
 *
 * Why no libc: the init is exec'd once per job, and a static glibc
 * program spends about 0.9 ms of page faults in its start-up on our VMs
 * against about 0.05 ms for a program that starts at _start.  Calls return
 * -errno on failure, as the kernel does; nothing here touches errno.
 * Only x86_64 and aarch64 are supported; other machines fail to build.
 */
#ifndef SCQ_RAW_SYSCALL_H
#define SCQ_RAW_SYSCALL_H

#include <asm/unistd.h>

#if defined(__x86_64__)
static inline long raw6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
/* The kernel starts us with the stack pointer at argc. */
#define RAW_ENTRY(main_fn)                                                  \
	__asm__(".text\n.globl _start\n_start:\n"                            \
		"\txor %rbp, %rbp\n\tmov %rsp, %rdi\n\tand $-16, %rsp\n"      \
		"\tcall " #main_fn "\n\thlt\n")
/* raw_clone_fn(flags, stack_top, fn, arg): the child starts on its own
 * stack in fn(arg), which must not return; the parent gets the pid or
 * -errno.  fn and arg travel on the new stack, as in glibc's clone. */
#define RAW_CLONE_FN                                                        \
	__asm__(".text\nraw_clone_fn:\n"                                     \
		"\tand $-16, %rsi\n\tsub $16, %rsi\n"                        \
		"\tmov %rdx, 0(%rsi)\n\tmov %rcx, 8(%rsi)\n"                 \
		"\txor %edx, %edx\n\txor %r10d, %r10d\n\txor %r8d, %r8d\n"  \
		"\tmov $56, %eax\n\tsyscall\n"                                \
		"\ttest %rax, %rax\n\tjnz 1f\n"                               \
		"\txor %ebp, %ebp\n\tpop %rax\n\tpop %rdi\n"                 \
		"\tcall *%rax\n\thlt\n"                                       \
		"1:\tret\n")
#elif defined(__aarch64__)
static inline long raw6(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;
	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}
#define RAW_ENTRY(main_fn)                                                  \
	__asm__(".text\n.globl _start\n_start:\n"                            \
		"\tmov x29, #0\n\tmov x30, #0\n\tmov x0, sp\n"                \
		"\tbl " #main_fn "\n\tb .\n")
#define RAW_CLONE_FN                                                        \
	__asm__(".text\nraw_clone_fn:\n"                                     \
		"\tand x1, x1, #-16\n\tstp x2, x3, [x1, #-16]!\n"            \
		"\tmov x2, #0\n\tmov x3, #0\n\tmov x4, #0\n"                \
		"\tmov x8, #220\n\tsvc #0\n\tcbnz x0, 1f\n"                  \
		"\tmov x29, #0\n\tldp x2, x0, [sp], #16\n\tblr x2\n\tb .\n" \
		"1:\tret\n")
#else
#error "the sandbox init supports x86_64 and aarch64 only"
#endif

long raw_clone_fn(unsigned long flags, void *stack_top, void (*fn)(void *), void *arg);

#define raw0(n) raw6((n), 0, 0, 0, 0, 0, 0)
#define raw1(n, a) raw6((n), (long)(a), 0, 0, 0, 0, 0)
#define raw2(n, a, b) raw6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define raw3(n, a, b, c) raw6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define raw4(n, a, b, c, d) raw6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define raw5(n, a, b, c, d, e) \
	raw6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

#endif
