/*
 * The guest's 8254 PIT (Intel 82C54 datasheet). Counts are derived from
 * the TSC at read time, so an idle timer costs nothing.
 */
#include <string.h>
#include "vmm/dev/i8254.h"

static uint64_t ticks_since(const struct i8254 *p, uint64_t from, uint64_t now)
{
	uint64_t el = now - from;

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

static bool gate(const struct i8254 *p, unsigned i)
{
	return i != 2 || (p->port61 & 1);	/* gates 0 and 1 are tied high */
}

static uint64_t ticks(const struct i8254 *p, const struct i8254_chan *c, uint64_t now)
{
	return c->base + (c->running ? ticks_since(p, c->run_start, now) : 0);
}

static uint16_t bin_to_bcd(uint32_t v)
{
	return (uint16_t)((v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 | (v / 1000 % 10) << 12);
}

static uint32_t bcd_to_bin(uint16_t v)
{
	/* Nibbles above 9 are not BCD; the chip's behaviour with them is
	 * undefined, ours is to take them at face value. */
	return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 + (v >> 12) * 1000;
}

static uint16_t count(const struct i8254 *p, unsigned i, uint64_t now)
{
	const struct i8254_chan *c = &p->ch[i];
	uint32_t modulus = c->bcd ? 10000 : 65536, v;
	uint64_t t;

	if (!c->loaded)
		return c->bcd ? bin_to_bcd(c->reload % 10000) : (uint16_t)c->reload;
	t = ticks(p, c, now);
	if (periodic(c))
		v = (uint32_t)(c->reload - t % c->reload);
	else	/* mode 0 keeps counting down through zero, wrapping */
		v = (uint32_t)((c->reload + modulus - t % modulus) % modulus);
	v %= modulus;
	return c->bcd ? bin_to_bcd(v) : (uint16_t)v;
}

static bool out(const struct i8254 *p, unsigned i, uint64_t now)
{
	const struct i8254_chan *c = &p->ch[i];
	uint64_t t;

	if (!c->loaded)
		return c->mode != 0;	/* mode 0: low from the control word on */
	if (periodic(c)) {
		if (!c->running)
			return true;	/* gate low forces OUT high */
		t = ticks(p, c, now) % c->reload;
		return c->mode == 2 ? t != c->reload - 1 || c->reload == 1 : t < (c->reload + 1) / 2;
	}
	return ticks(p, c, now) >= c->reload;
}

static void arm0(struct i8254 *p)
{
	struct i8254_chan *c = &p->ch[0];

	p->irq_due = c->loaded && c->running ? c->run_start + to_tsc(p, c->reload) : 0;
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

static void load(struct i8254 *p, unsigned i, uint16_t v, uint64_t now)
{
	struct i8254_chan *c = &p->ch[i];

	if (c->bcd)
		c->reload = v ? bcd_to_bin(v) : 10000;
	else
		c->reload = v ? v : 65536;
	if (!c->reload)
		c->reload = 10000;
	c->loaded = true;
	c->base = 0;
	c->running = gate(p, i);
	c->run_start = now;
	if (i == 0)
		arm0(p);
}

static uint8_t status_byte(const struct i8254 *p, unsigned i, uint64_t now)
{
	const struct i8254_chan *c = &p->ch[i];

	/* Read-back status (datasheet): OUT, null count, RW, mode, BCD. */
	return (uint8_t)((out(p, i, now) ? 0x80 : 0) | (c->loaded ? 0 : 0x40) |
			 (c->rw << 4) | (c->mode << 1) | (c->bcd ? 1 : 0));
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
	if (c->status_latched) {	/* a latched status comes first */
		c->status_latched = false;
		return c->status;
	}
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

static void set_gate2(struct i8254 *p, bool up, uint64_t now)
{
	struct i8254_chan *c = &p->ch[2];

	if (!c->loaded || up == c->running)
		return;
	if (c->mode == 0 || !periodic(c)) {
		/* Mode 0: the gate pauses and resumes; OUT is untouched. */
		if (up) {
			c->run_start = now;
		} else {
			c->base = ticks(p, c, now);
		}
		c->running = up;
		return;
	}
	/* Modes 2 and 3: gate low stops (OUT high), a rising gate reloads. */
	c->base = 0;
	c->running = up;
	c->run_start = now;
}

void i8254_write(struct i8254 *p, unsigned off, uint8_t val, uint64_t now)
{
	struct i8254_chan *c;

	if (off == 4) {
		bool was = p->port61 & 1;

		p->port61 = val & 0x0f;
		if ((bool)(val & 1) != was)
			set_gate2(p, val & 1, now);
		return;
	}
	if (off == 3) {
		unsigned sel = val >> 6, rw = (val >> 4) & 3;

		if (sel == 3) {
			/* Read-back: bit 5 clear latches counts, bit 4 clear
			 * latches status, of the channels named in bits 1-3. */
			for (unsigned i = 0; i < 3; i++) {
				struct i8254_chan *ch = &p->ch[i];

				if (!(val & (2u << i)))
					continue;
				if (!(val & 0x20) && !ch->latched) {
					ch->latch = count(p, i, now);
					ch->latched = true;
					ch->read_msb = false;
				}
				if (!(val & 0x10) && !ch->status_latched) {
					ch->status = status_byte(p, i, now);
					ch->status_latched = true;
				}
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
		c->bcd = val & 1;
		c->mode = (val >> 1) & 7;
		if (c->mode > 5)
			c->mode -= 4;	/* 6 and 7 are 2 and 3 */
		c->write_msb = c->read_msb = false;
		c->latched = c->status_latched = false;
		c->loaded = false;
		c->running = false;
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
		load(p, off, (uint16_t)(val << 8), now);
	} else if (!c->write_msb) {
		c->partial = val;
		c->write_msb = true;
	} else {
		c->write_msb = false;
		load(p, off, (uint16_t)(c->partial | (val << 8)), now);
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

	if (!p->irq_due || now < p->irq_due)
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
