/*
 * init-image.S - the sandbox init program (init/scq-init.c), embedded in
 * libscq as bytes so that the library needs no file installed beside it.
 * The Makefile builds the program first and passes its path as
 * SCQ_INIT_IMAGE; sandbox-image.c turns the bytes into a sealed memfd.
 */
	.section .rodata
	.balign 16
	.globl scq_init_image
	.hidden scq_init_image
scq_init_image:
	.incbin SCQ_INIT_IMAGE
	.globl scq_init_image_end
	.hidden scq_init_image_end
scq_init_image_end:
	.section .note.GNU-stack,"",%progbits
