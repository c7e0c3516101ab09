/* SPDX-License-Identifier: MIT */
/*
 * Entry on QEMU `virt` (loaded with -kernel at 0x40200000; the CPU starts at EL1 with the MMU and
 * caches off, so every access is Device-nGnRnE: hence -mstrict-align). Secondary CPUs park, the
 * boot CPU gets a stack and a zeroed .bss, exceptions go to a reporter, then board_main runs.
 */
	.section .text.boot, "ax"
	.global _start
_start:
	mrs	x0, mpidr_el1
	and	x0, x0, #0xff
	cbnz	x0, park
	ldr	x1, =__stack_top
	mov	sp, x1
	ldr	x1, =vectors
	msr	vbar_el1, x1
	isb
	ldr	x1, =__bss_start
	ldr	x2, =__bss_end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:	bl	board_main
	bl	board_power_off
park:	wfe
	b	park

/* Sixteen entries of 128 bytes, 2 KB aligned: each passes its index to the C reporter. */
	.macro	entry, n
	.balign	0x80
	mov	x0, #\n
	b	exception
	.endm

	.balign	0x800
vectors:
	.irp	n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	entry	\n
	.endr

exception:
	ldr	x1, =__stack_top
	mov	sp, x1
	mrs	x1, esr_el1
	mrs	x2, elr_el1
	mrs	x3, far_el1
	bl	board_exception
	b	park
