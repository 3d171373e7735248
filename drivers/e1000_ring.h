/* Host driver core for Intel 8254x-family NICs (QEMU -device e1000,
 * 82540EM 8086:100e; 82545EM 8086:100f; 82574L 8086:10d3, QEMU e1000e):
 * legacy descriptors, one RX and one TX ring, polling. Only registers
 * that these parts share at the same offsets and meanings are used
 * (CTRL, STATUS, ICR, IMC, RCTL, TCTL, TIPG, RDBAL..RDT, TDBAL..TDT, MTA,
 * RAL0/RAH0; 8254x SDM 13, 82574 datasheet 10).
 *
 * Pure logic: registers are reached through e1000_regs, memory through
 * nic_dma, so host tests drive it against a fake device
 * (tests/unit/test_nic_e1000.c). The driver never uses an index the
 * device reports (RDH/TDH): it follows the DD bits of its own ring, and
 * checks every length against the buffer. */
#ifndef DRIVERS_E1000_RING_H
#define DRIVERS_E1000_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "drivers/nic.h"

#define E1000_NDESC 256		/* per ring; 16 B each: a multiple of 128 B */

#define E1000_CTRL   0x0000
#define E1000_STATUS 0x0008
#define E1000_ICR    0x00c0
#define E1000_IMC    0x00d8
#define E1000_RCTL   0x0100
#define E1000_TCTL   0x0400
#define E1000_TIPG   0x0410
#define E1000_RDBAL  0x2800
#define E1000_RDBAH  0x2804
#define E1000_RDLEN  0x2808
#define E1000_RDH    0x2810
#define E1000_RDT    0x2818
#define E1000_TDBAL  0x3800
#define E1000_TDBAH  0x3804
#define E1000_TDLEN  0x3808
#define E1000_TDH    0x3810
#define E1000_TDT    0x3818
#define E1000_MTA    0x5200
#define E1000_RAL0   0x5400
#define E1000_RAH0   0x5404

#define E1000_CTRL_ASDE   (1u << 5)
#define E1000_CTRL_SLU    (1u << 6)
#define E1000_CTRL_RST    (1u << 26)
#define E1000_STATUS_LU   (1u << 1)
#define E1000_RCTL_EN     (1u << 1)
#define E1000_RCTL_UPE    (1u << 3)	/* unicast promiscuous */
#define E1000_RCTL_MPE    (1u << 4)	/* multicast promiscuous */
#define E1000_RCTL_BAM    (1u << 15)
#define E1000_RCTL_SECRC  (1u << 26)	/* BSIZE 00: 2048-byte buffers */
#define E1000_TCTL_EN     (1u << 1)
#define E1000_TCTL_PSP    (1u << 3)
#define E1000_RAH_AV      (1u << 31)

/* Legacy descriptors (8254x SDM 3.2.3, 3.3.3). */
struct e1000_rx_desc {
	uint64_t addr;
	uint16_t length;
	uint16_t csum;
	uint8_t status;
	uint8_t errors;
	uint16_t special;
};
struct e1000_tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t cso;
	uint8_t cmd;
	uint8_t status;
	uint8_t css;
	uint16_t special;
};
_Static_assert(sizeof(struct e1000_rx_desc) == 16, "8254x SDM 3.2.3");
_Static_assert(sizeof(struct e1000_tx_desc) == 16, "8254x SDM 3.3.3");
#define E1000_RXD_DD   0x01
#define E1000_RXD_EOP  0x02
#define E1000_RXE_MASK 0x97	/* CE SE SEQ CXE RXE (IPE, TCPE: offload only) */
#define E1000_TXD_EOP  0x01
#define E1000_TXD_IFCS 0x02
#define E1000_TXD_RS   0x08
#define E1000_TXD_DD   0x01

struct e1000_regs {
	uint32_t (*read)(void *ctx, uint32_t off);
	void (*write)(void *ctx, uint32_t off, uint32_t v);
	void (*delay_us)(void *ctx, unsigned us);
	void *ctx;
};

/* [c] the polling task only */
struct e1000_core {
	struct e1000_regs regs;
	struct nic_dma dma;
	uint8_t mac[6];
	bool up;
	bool in_long;		/* dropping the rest of a multi-buffer frame */
	const char *err;	/* last device error, for the log */
	volatile struct e1000_rx_desc *rxd;
	volatile struct e1000_tx_desc *txd;
	uint64_t rxd_pa, txd_pa;
	uint8_t *rxbuf, *txbuf;	/* E1000_NDESC buffers of NIC_BUF_SIZE */
	uint64_t rxbuf_pa, txbuf_pa;
	uint16_t rx_next;	/* next descriptor the device completes */
	uint16_t tx_tail;	/* next descriptor we fill */
	uint16_t tx_clean;	/* oldest descriptor in flight */
	struct nic_stats st;
};

/* Resets the device, reads the MAC from RAL0/RAH0 (AV set by the EEPROM
 * load after reset), masks interrupts, sets link up, and starts both
 * rings. Memory is allocated on the first call and kept for restarts.
 * Returns 0, -ENODEV (reset never completes, no valid MAC, device gone),
 * -ENOMEM. */
int e1000_core_init(struct e1000_core *c);
/* Returns 0, -EINVAL, -EAGAIN, -EIO (see struct nic). */
int e1000_core_tx(struct e1000_core *c, const void *frame, size_t len);
/* Returns frames delivered, or -EIO (reset and restarted; c->err). */
int e1000_core_poll(struct e1000_core *c, nic_rx_fn rx, void *ctx, unsigned budget);
bool e1000_core_link_up(struct e1000_core *c);

#endif
