/*
 * Reference encodings for tests/unit/test_decode.c, made by the assembler
 * at test-build time: insn_NAME .. insn_NAME_end holds exactly one
 * instruction as GNU as encodes it, so its length is the architectural
 * one (checked against objdump -d when the cases were written). Raw .byte
 * lines are for encodings no mnemonic produces (redundant or misplaced
 * prefixes, forms we refuse).
 */
#define I(name, ...) \
	.globl insn_##name; .globl insn_##name##_end; \
	insn_##name: __VA_ARGS__; insn_##name##_end:

	.intel_syntax noprefix
	.section .rodata, "a"

	.code64
/* MOV r/m8, r8 (88): high bytes only without REX */
I(s88_ah,	mov byte ptr [rax], ah)
I(s88_ch,	mov byte ptr [rax], ch)
I(s88_dh,	mov byte ptr [rax], dh)
I(s88_bh,	mov byte ptr [rdx], bh)
I(s88_cl,	mov byte ptr [rcx], cl)
I(s88_spl,	mov byte ptr [rax], spl)
I(s88_bpl,	mov byte ptr [rax], bpl)
I(s88_sil,	mov byte ptr [rax], sil)
I(s88_dil,	mov byte ptr [rdx], dil)
I(s88_r9b,	mov byte ptr [rbx], r9b)
I(s88_r12b,	mov byte ptr [rbx], r12b)
/* MOV r/m, r (89) */
I(s89_d,	mov dword ptr [rdi], esi)
I(s89_w,	mov word ptr [rdi], si)
I(s89_q,	mov qword ptr [rdi], rsi)
I(s89_r15,	mov qword ptr [r8], r15)
I(s89_r8w,	mov word ptr [r8], r8w)
I(s89_rexw66,	.byte 0x66, 0x48, 0x89, 0x07)	/* REX.W wins over 66 */
I(s89_rex40,	.byte 0x40, 0x89, 0x07)		/* empty REX: still 32-bit */
/* MOV r8, r/m8 (8A) */
I(l8a_ch,	mov ch, byte ptr [rsi])
I(l8a_dh,	mov dh, byte ptr [rsi])
I(l8a_al,	mov al, byte ptr [rsi])
I(l8a_bpl,	mov bpl, byte ptr [rsi])
I(l8a_r14b,	mov r14b, byte ptr [rsi])
/* MOV r, r/m (8B) */
I(l8b_d,	mov ecx, dword ptr [rax])
I(l8b_w,	mov cx, word ptr [rax])
I(l8b_q,	mov rcx, qword ptr [rax])
I(l8b_r12d,	mov r12d, dword ptr [rax])
I(l8b_sp,	mov esp, dword ptr [rax])
/* MOV r/m, imm (C6 /0, C7 /0) */
I(c6,		mov byte ptr [rax], 0x80)
I(c6_r9,	mov byte ptr [r9], 0xff)
I(c6_sib,	mov byte ptr [r12+rax*4+0x10], 7)
I(c7_d,		mov dword ptr [rax], 0x89abcdef)
I(c7_w,		mov word ptr [rax], 0xbeef)
I(c7_q_neg,	mov qword ptr [rax], -2)
I(c7_q_pos,	mov qword ptr [rax], 0x7fffffff)
I(c7_q_min,	mov qword ptr [rbx+0x44], -0x80000000)
I(c7_q_rip,	mov qword ptr [rip+0x100], -5)
I(c7_d_rip,	mov dword ptr [rip-0x10], 0x11223344)
I(c7_w_disp32,	mov word ptr [rbx+0x12345], 0x8001)
I(c7_66rexw,	.byte 0x66, 0x48, 0xc7, 0x00, 0x01, 0x02, 0x03, 0x84)
I(c7_rexr,	.byte 0x44, 0xc7, 0x00, 0x01, 0x02, 0x03, 0x04)	/* REX.R ignored for /0 */
/* MOVZX, MOVSX (0F B6/B7/BE/BF) */
I(zx_b_d,	movzx eax, byte ptr [rbx])
I(zx_b_w,	movzx dx, byte ptr [rbx])
I(zx_b_q,	movzx r11, byte ptr [rbx])
I(zx_w_d,	movzx edi, word ptr [rbx])
I(zx_w_q,	movzx rcx, word ptr [rbx])
I(sx_b_d,	movsx esp, byte ptr [rbx])
I(sx_b_q,	movsx r10, byte ptr [rbx])
I(sx_b_w,	movsx si, byte ptr [rbx+0x7f])
I(sx_w_d,	movsx esi, word ptr [rbx])
I(sx_w_q,	movsx r15, word ptr [rip+0x1000])
/* MOV AL/rAX <-> moffs (A0-A3): 8-byte offset in 64-bit mode */
I(a0,		movabs al, byte ptr [0x1122334455667788])
I(a1,		movabs eax, dword ptr [0x1122334455667788])
I(a1_w,		movabs ax, word ptr [0x1122334455667788])
I(a1_q,		movabs rax, qword ptr [0x1122334455667788])
I(a2,		movabs byte ptr [0x1122334455667788], al)
I(a3,		movabs dword ptr [0x1122334455667788], eax)
I(a3_q,		movabs qword ptr [0x1122334455667788], rax)
I(a1_fs,	.byte 0x64, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8)
/* ... and a 4-byte one with 67 (SDM Vol 2B MOV, moffs) */
I(a1_addr32,	addr32 mov eax, dword ptr [0x12345678])
I(a3_addr32,	addr32 mov dword ptr [0x12345678], eax)
I(a0_addr32,	addr32 mov al, byte ptr [0x12345678])
/* Addressing shapes */
I(m0_rm0,	mov eax, dword ptr [rax])
I(m0_rip,	mov eax, dword ptr [rip+0x12345678])
I(m0_sib,	mov eax, dword ptr [rax+rcx*4])
I(m0_sib_b5,	mov eax, dword ptr [rcx*8+0x1000])
I(m0_sib_abs,	mov eax, dword ptr ds:[0x1000])
I(m0_r12,	mov eax, dword ptr [r12])
I(m0_r13_sib5,	.byte 0x41, 0x8b, 0x04, 0x25, 0x00, 0x10, 0x00, 0x00)	/* SIB base 5 + REX.B: still disp32 */
I(m0_r13_rip,	.byte 0x41, 0x8b, 0x05, 0x00, 0x10, 0x00, 0x00)	/* rm 5 + REX.B: still RIP-relative */
I(m1_rm,	mov eax, dword ptr [rbx+0x10])
I(m1_neg,	mov eax, dword ptr [rbx-0x80])
I(m1_rbp,	mov eax, dword ptr [rbp])
I(m1_r13,	mov eax, dword ptr [r13])
I(m1_sib,	mov eax, dword ptr [rsp+0x10])
I(m1_sib_b5,	mov eax, dword ptr [rbp+rcx*2])
I(m2_rm,	mov eax, dword ptr [rbx+0x12345])
I(m2_sib,	mov eax, dword ptr [rsp+rbx*2+0x12345])
I(m2_sib_b5,	mov eax, dword ptr [rbp+rsi*8-0x1000])
I(rex_x,	mov eax, dword ptr [rax+r9*2])
I(rex_all,	mov r9, qword ptr [r10+r11*8+0x7f])
I(rex_rb,	mov r8d, dword ptr [r13+0x100])
/* Prefixes */
I(p_fs,		mov eax, dword ptr fs:[rax])
I(p_gs_rip,	mov eax, dword ptr gs:[rip+0x10])
I(p_es,		.byte 0x26, 0x8b, 0x00)
I(p_cs,		.byte 0x2e, 0x8b, 0x00)
I(p_ss,		.byte 0x36, 0x8b, 0x00)
I(p_ds,		.byte 0x3e, 0x8b, 0x00)
I(p_addr32,	mov eax, dword ptr [eax])
I(p_addr32_sib,	mov eax, dword ptr [eax+ecx*4+0x10])
I(p_66_rexb,	mov word ptr [r8], ax)
I(p_many,	.byte 0x2e, 0x3e, 0x26, 0x64, 0x65, 0x36, 0x66, 0x67, 0x89, 0x00)
I(p_66_66,	.byte 0x66, 0x66, 0x89, 0x00)
I(p_15,		.byte 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x89, 0x05, 1, 2, 3, 4)
I(p_15_rexw,	.byte 0x2e, 0x66, 0x67, 0x48, 0xc7, 0x84, 0x24, 1, 2, 3, 4, 5, 6, 7, 8)

/* Refused in 64-bit mode */
I(r_mod3_89,	mov eax, ecx)
I(r_mod3_8b,	.byte 0x8b, 0xc1)
I(r_mod3_88,	mov cl, al)
I(r_mod3_c6,	.byte 0xc6, 0xc0, 0x01)
I(r_mod3_c7,	.byte 0xc7, 0xc1, 1, 2, 3, 4)
I(r_mod3_zx,	movzx eax, cl)
I(r_mod3_sx,	movsx rax, cx)
I(r_lock,	.byte 0xf0, 0x89, 0x07)
I(r_lock_late,	.byte 0x66, 0xf0, 0x89, 0x07)
I(r_rep,	.byte 0xf3, 0x89, 0x07)
I(r_repne,	.byte 0xf2, 0x8b, 0x07)
I(r_movsb,	rep movsb)
I(r_stosd,	stosd)
I(r_c6_reg1,	.byte 0xc6, 0x08, 0x01)
I(r_c7_reg7,	.byte 0xc7, 0x38, 1, 2, 3, 4)
I(r_c7_reg4,	.byte 0x48, 0xc7, 0x60, 0x08, 1, 2, 3, 4)
I(r_add,	add dword ptr [rax], eax)
I(r_or,		or byte ptr [rax], 1)
I(r_xchg,	xchg dword ptr [rax], eax)
I(r_movsreg,	mov word ptr [rax], ds)
I(r_cmpxchg,	cmpxchg dword ptr [rax], ecx)
I(r_0f_b8,	.byte 0x0f, 0xb8, 0x00)
I(r_0f_b5,	.byte 0x0f, 0xb5, 0x00)
I(r_0f_bc,	bsf eax, dword ptr [rax])
I(r_0f_ud2,	ud2)
I(r_nop,	nop)
I(r_movnti,	movnti dword ptr [rax], eax)
I(r_movd,	movd dword ptr [rax], xmm0)
I(r_vex,	vmovdqu ymmword ptr [rax], ymm0)

/* decode_sys_len: the exits whose length AMD-V without NRIP save leaves
 * to us. GPR in the name is the MOV CR source register. */
I(y_cpuid,	cpuid)
I(y_hlt,	hlt)
I(y_rdmsr,	rdmsr)
I(y_wrmsr,	wrmsr)
I(y_invd,	invd)
I(y_wbinvd,	wbinvd)
I(y_xsetbv,	xsetbv)
I(y_cr0_rax,	mov cr0, rax)
I(y_cr3_rdi,	mov cr3, rdi)
I(y_cr4_r13,	mov cr4, r13)
I(y_cr8_rax,	mov cr8, rax)
I(y_cr8_r15,	mov cr8, r15)
I(y_66_cpuid,	.byte 0x66, 0x0f, 0xa2)
I(y_cs_hlt,	.byte 0x2e, 0xf4)
I(y_rexw_wrmsr,	.byte 0x48, 0x0f, 0x30)
I(y_f3_rdmsr,	.byte 0xf3, 0x0f, 0x32)
I(y_pfx_xsetbv,	.byte 0x66, 0x67, 0x26, 0x64, 0xf2, 0x0f, 0x01, 0xd1)
I(y_r_xgetbv,	xgetbv)
I(y_r_rdtsc,	rdtsc)
I(y_r_vmcall,	vmcall)
I(y_r_vmmcall,	vmmcall)
I(y_r_movfromcr, mov rax, cr0)
I(y_r_lock,	.byte 0xf0, 0x0f, 0xa2)
I(y_r_nop,	nop)
I(y_r_ud2,	ud2)
I(y_r_rex_pfx,	.byte 0x48, 0x66, 0x0f, 0xa2)
I(y_r_0f01,	.byte 0x0f, 0x01, 0xd0)

	.code32
I(z_cpuid,	cpuid)
I(z_cr0_eax,	mov cr0, eax)
I(z_cr4_edi,	mov cr4, edi)
I(z_hlt,	hlt)
I(z_r_inc,	.byte 0x41, 0x0f, 0xa2)
/* 32-bit protected mode: 40-4F are INC/DEC, moffs has 4 bytes */
I(x_s89,	mov dword ptr [edi], esi)
I(x_s89_w,	mov word ptr [edi], si)
I(x_s88_ah,	mov byte ptr [eax], ah)
I(x_s88_bh,	mov byte ptr [eax], bh)
I(x_l8a_dh,	mov dh, byte ptr [esi])
I(x_l8b_disp32,	mov ecx, dword ptr ds:[0x12345678])
I(x_sib_b5,	mov eax, dword ptr [ecx*4+0x1000])
I(x_m1_ebp,	mov edx, dword ptr [ebp+8])
I(x_m2_sib,	mov edi, dword ptr [esp+eax*8+0x12345])
I(x_a0,		mov al, byte ptr ds:[0x12345678])
I(x_a1,		mov eax, dword ptr ds:[0x12345678])
I(x_a1_w,	mov ax, word ptr ds:[0x12345678])
I(x_a2,		mov byte ptr ds:[0x12345678], al)
I(x_a3,		mov dword ptr ds:[0x12345678], eax)
I(x_c6,		mov byte ptr [ebx], 0xfe)
I(x_c7,		mov dword ptr [ebx+4], 0xfedcba98)
I(x_c7_w,	mov word ptr [ebx+4], 0x1234)
I(x_zx,		movzx eax, byte ptr [ebx])
I(x_sx_w,	movsx ax, byte ptr [ebx])
I(x_sx_wd,	movsx ebp, word ptr [ebx])
I(x_fs,		mov eax, dword ptr fs:[ebx])
/* Refused in 32-bit mode */
I(x_r_dec,	.byte 0x48, 0x89, 0x07)		/* DEC EAX, then a MOV */
I(x_r_inc,	.byte 0x41, 0x89, 0x07)		/* INC ECX, then a MOV */
I(x_r_addr16,	addr16 mov eax, dword ptr [bx+si])
I(x_r_addr16_c7, addr16 mov dword ptr [bx], 1)
I(x_r_addr16_zx, addr16 movzx eax, byte ptr [bx+di])
I(x_r_mod3,	mov eax, ecx)
I(x_r_lock,	.byte 0xf0, 0x89, 0x07)
/* 67 A1 in 32-bit mode: a 2-byte moffs (16-bit addressing) */
I(x_a1_addr16,	addr16 mov eax, dword ptr ds:[0x1234])
I(x_a2_addr16,	addr16 mov byte ptr ds:[0x1234], al)

	.code64
	.section .note.GNU-stack, "", @progbits
