/*
 * The guest's 8254 PIT (Intel 82C54 datasheet). Counts are derived from
 * the TSC at read time, so an idle timer costs nothing.
 */
#include <string.h>
#include "vmm/dev/i8254.h"

static uint64_t ticks(const struct i8254 *p, const struct i8254_chan *c, uint64_t now)
{
	uint64_t el = now - c->start;

	/* el * HZ / tsc_hz without overflow for ~2^64 / 2^21 cycles. */
	return (el / p->tsc_hz) * I8254_HZ + (el % p->tsc_hz) * I8254_HZ / p->tsc_hz;
}

static uint64_t to_tsc(const struct i8254 *p, uint64_t n)
{
	return (n / I8254_HZ) * p->tsc_hz + (n % I8254_HZ) * p->tsc_hz / I8254_HZ;
}

static bool periodic(const struct i8254_chan *c)
{
	return c->mode == 2 || c->mode == 3;
}

static uint16_t count(const struct i8254 *p, unsigned i, uint64_t now)
{
	const struct i8254_chan *c = &p->ch[i];
	uint64_t t;

	if (!c->counting)
		return (uint16_t)c->reload;
	t = ticks(p, c, now);
	if (periodic(c))
		return (uint16_t)(c->reload - t % c->reload);
	/* Mode 0 keeps counting down through zero, wrapping (datasheet). */
	return (uint16_t)(c->reload - t);
}

static bool out(const struct i8254 *p, unsigned i, uint64_t now)
{
	const struct i8254_chan *c = &p->ch[i];
	uint64_t t;

	if (!c->counting)
		return c->mode != 0;
	t = ticks(p, c, now);
	if (periodic(c))
		return t % c->reload < c->reload / 2 || c->mode == 2;
	return t >= c->reload;
}

static void arm0(struct i8254 *p)
{
	struct i8254_chan *c = &p->ch[0];

	p->irq_due = c->counting ? c->start + to_tsc(p, c->reload) : 0;
}

void i8254_init(struct i8254 *p, uint64_t tsc_hz)
{
	memset(p, 0, sizeof(*p));
	p->tsc_hz = tsc_hz ? tsc_hz : 1;
	for (int i = 0; i < 3; i++) {
		p->ch[i].rw = 3;
		p->ch[i].reload = 65536;
	}
}

static void load(struct i8254 *p, unsigned i, uint32_t v, uint64_t now)
{
	struct i8254_chan *c = &p->ch[i];

	c->reload = v ? v : 65536;
	/* Channel 2 counts only while its gate (port 0x61 bit 0) is up. */
	c->counting = i != 2 || (p->port61 & 1);
	c->start = now;
	if (i == 0)
		arm0(p);
}

uint8_t i8254_read(struct i8254 *p, unsigned off, uint64_t now)
{
	struct i8254_chan *c;
	uint16_t v;
	uint8_t b;

	if (off == 4)
		return (uint8_t)((p->port61 & 0x0f) | (out(p, 2, now) ? 0x20 : 0));
	if (off > 2)
		return 0xff;		/* the control word is write-only */
	c = &p->ch[off];
	v = c->latched ? c->latch : count(p, off, now);
	if (c->rw == 1)
		b = (uint8_t)v;
	else if (c->rw == 2)
		b = (uint8_t)(v >> 8);
	else {
		b = c->read_msb ? (uint8_t)(v >> 8) : (uint8_t)v;
		c->read_msb = !c->read_msb;
		if (c->read_msb)
			return b;	/* the latch holds until the msb is read */
	}
	c->latched = false;
	return b;
}

void i8254_write(struct i8254 *p, unsigned off, uint8_t val, uint64_t now)
{
	struct i8254_chan *c;

	if (off == 4) {
		bool rise = (val & 1) && !(p->port61 & 1);

		p->port61 = val & 0x0f;
		/* Raising gate 2 restarts its count (modes 0-3 on a rising
		 * gate, datasheet). */
		if (rise)
			load(p, 2, p->ch[2].reload & 0xffff, now);
		else if (!(val & 1))
			p->ch[2].counting = false;
		return;
	}
	if (off == 3) {
		unsigned sel = val >> 6, rw = (val >> 4) & 3;

		if (sel == 3) {
			/* Read-back: latch the counts named (bit 5 clear). */
			for (unsigned i = 0; i < 3; i++)
				if ((val & (2u << i)) && !(val & 0x20) && !p->ch[i].latched) {
					p->ch[i].latch = count(p, i, now);
					p->ch[i].latched = true;
					p->ch[i].read_msb = false;
				}
			return;
		}
		c = &p->ch[sel];
		if (rw == 0) {		/* counter latch command */
			if (!c->latched) {
				c->latch = count(p, sel, now);
				c->latched = true;
				c->read_msb = false;
			}
			return;
		}
		c->rw = (uint8_t)rw;
		c->mode = (val >> 1) & 7;
		if (c->mode > 5)
			c->mode -= 4;	/* 6 and 7 are 2 and 3 */
		c->write_msb = c->read_msb = false;
		c->latched = false;
		c->counting = false;
		if (sel == 0)
			p->irq_due = 0;
		return;
	}
	if (off > 2)
		return;
	c = &p->ch[off];
	if (c->rw == 1) {
		load(p, off, val, now);
	} else if (c->rw == 2) {
		load(p, off, (uint32_t)val << 8, now);
	} else if (!c->write_msb) {
		c->partial = val;
		c->write_msb = true;
	} else {
		c->write_msb = false;
		load(p, off, c->partial | ((uint32_t)val << 8), now);
	}
}

uint64_t i8254_due(const struct i8254 *p)
{
	return p->irq_due;
}

bool i8254_poll(struct i8254 *p, uint64_t now)
{
	struct i8254_chan *c = &p->ch[0];
	uint64_t per;

	if (!p->irq_due || (int64_t)(now - p->irq_due) < 0)
		return false;
	if (!periodic(c)) {
		p->irq_due = 0;		/* mode 0: one edge at terminal count */
		return true;
	}
	per = to_tsc(p, c->reload);
	if (!per)
		per = 1;
	/* Late ticks are not replayed one by one: one interrupt, then the
	 * next period boundary. */
	p->irq_due += per * ((now - p->irq_due) / per + 1);
	return true;
}
