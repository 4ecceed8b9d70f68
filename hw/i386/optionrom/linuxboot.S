/*
 * kemu's linuxboot option ROM: boots the -kernel/-initrd/-append that the machine put in
 * fw_cfg (hw/i386/linux_boot_firmware.h) when a BIOS runs first.
 *
 * The BIOS copies the ROM below 1 MiB and calls its init entry, which has nothing to set up:
 * the PnP expansion header below carries a Boot Entry Vector, so SeaBIOS lists the ROM as a
 * boot device ("/rom@genroms/linuxboot.bin" in fw_cfg "bootorder"). When the BIOS boots it,
 * the BEV copies the setup code, the protected-mode kernel, the command line and the initrd
 * to the addresses the emulator chose, each with one fw_cfg DMA transfer (the device writes
 * guest RAM directly, so real mode can fill memory above 1 MiB), and enters the real-mode
 * setup code as Documentation/arch/x86/boot.rst says a 16-bit boot loader does.
 *
 * Layout: the option ROM header (0x55 0xAA, size in 512-byte blocks, init entry at 3, PnP
 * header offset at 0x1a), the PnP header, the code. rom_image.py in this folder pads the
 * image and sets the size byte and both checksums (docs/firmware.md).
 */

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_PORT_DMA_HIGH 0x514
#define FW_CFG_PORT_DMA_LOW 0x518

#define FW_CFG_DMA_ERROR 0x01
#define FW_CFG_DMA_READ 0x02
#define FW_CFG_DMA_SELECT 0x08

/* The legacy fw_cfg keys of hw/i386/fw_cfg_pc.h. */
#define FW_CFG_KERNEL_ADDR 0x07
#define FW_CFG_KERNEL_SIZE 0x08
#define FW_CFG_INITRD_ADDR 0x0a
#define FW_CFG_INITRD_SIZE 0x0b
#define FW_CFG_KERNEL_DATA 0x11
#define FW_CFG_INITRD_DATA 0x12
#define FW_CFG_CMDLINE_ADDR 0x13
#define FW_CFG_CMDLINE_SIZE 0x14
#define FW_CFG_CMDLINE_DATA 0x15
#define FW_CFG_SETUP_ADDR 0x16
#define FW_CFG_SETUP_SIZE 0x17
#define FW_CFG_SETUP_DATA 0x18

/* In the setup header, relative to the setup code's start. */
#define HEAP_END_PTR 0x224
/* The heap ends at heap_end_ptr + 0x200, where the boot protocol puts the stack's top. */
#define STACK_ABOVE_HEAP 0x200
/* The setup code is entered at its segment + 0x20, offset 0 (the byte at 0x200). */
#define SETUP_ENTRY_SEGMENT 0x20

    .code16
    .text
    .globl rom_header
rom_header:
    .byte 0x55, 0xaa
    .byte 0                     /* size in 512-byte blocks: rom_image.py */
    jmp init                    /* init entry, offset 3 */
    .org 0x1a
    .word pnp_header

    .balign 16
pnp_header:
    .ascii "$PnP"
    .byte 0x01                  /* structure revision */
    .byte 0x02                  /* length in 16-byte units */
    .word 0                     /* no next header */
    .byte 0
    .byte 0                     /* checksum of the 32 bytes: rom_image.py */
    .long 0                     /* device identifier */
    .word manufacturer
    .word product_name          /* SeaBIOS shows it in its boot menu */
    .byte 0, 0, 0               /* device type code */
    .byte 0x04                  /* device indicators: an initial program load device */
    .word 0                     /* boot connection vector */
    .word 0                     /* disconnect vector */
    .word boot_entry            /* bootstrap entry vector */
    .word 0
    .word 0                     /* static resource information vector */

manufacturer:
    .asciz "kemu"
product_name:
    .asciz "Linux loader"

/* Each blob: fw_cfg keys of its load address, its size and its bytes. */
blobs:
    .word FW_CFG_SETUP_ADDR, FW_CFG_SETUP_SIZE, FW_CFG_SETUP_DATA
    .word FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_DATA
    .word FW_CFG_CMDLINE_ADDR, FW_CFG_CMDLINE_SIZE, FW_CFG_CMDLINE_DATA
    .word FW_CFG_INITRD_ADDR, FW_CFG_INITRD_SIZE, FW_CFG_INITRD_DATA
blobs_end:

init:
    lret

boot_entry:
    cli
    cld
    push %cs
    pop %ds
    mov $blobs, %si
next_blob:
    lodsw
    call fw_cfg_read_u32
    mov %eax, %edi
    lodsw
    call fw_cfg_read_u32
    mov %eax, %ecx
    lodsw
    call fw_cfg_dma_read
    cmp $blobs_end, %si
    jne next_blob

    mov $FW_CFG_SETUP_ADDR, %ax
    call fw_cfg_read_u32
    shr $4, %eax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov %ax, %ss
    mov HEAP_END_PTR, %sp
    add $STACK_ABOVE_HEAP, %sp
    add $SETUP_ENTRY_SEGMENT, %ax
    push %ax
    push $0
    lret

/* %eax = the first four bytes (little-endian) of item %ax, through the data port. */
fw_cfg_read_u32:
    mov $FW_CFG_PORT_SEL, %dx
    out %ax, (%dx)
    inc %dx
    mov $4, %cx
1:  in (%dx), %al
    ror $8, %eax
    loop 1b
    ret

/*
 * Copies %ecx bytes of item %ax to guest-physical %edi with one DMA transfer. The
 * descriptor (big-endian control, length, 64-bit address) lives on the stack: the ROM's own
 * segment is read-only once the BIOS has booted.
 */
fw_cfg_dma_read:
    bswap %edi
    pushl %edi
    pushl $0
    bswap %ecx
    pushl %ecx
    movzwl %ax, %eax
    shl $16, %eax
    or $(FW_CFG_DMA_SELECT | FW_CFG_DMA_READ), %eax
    bswap %eax
    pushl %eax

    mov %sp, %bp
    movzwl %sp, %ebx
    xor %eax, %eax
    mov %ss, %ax
    shl $4, %eax
    add %ebx, %eax
    bswap %eax
    mov %eax, %ebx
    xor %eax, %eax
    mov $FW_CFG_PORT_DMA_HIGH, %dx
    out %eax, (%dx)
    mov %ebx, %eax
    mov $FW_CFG_PORT_DMA_LOW, %dx
    out %eax, (%dx)
    /* The device clears the control word when done, leaving only the error bit. */
2:  mov (%bp), %eax
    bswap %eax
    test $~FW_CFG_DMA_ERROR, %eax
    jnz 2b
    add $16, %sp
    ret

    .section .note.GNU-stack, "", @progbits
