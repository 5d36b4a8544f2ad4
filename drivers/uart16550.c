/*
 * Polled 16550 UART driver (register layout of the National PC16550D data
 * sheet). Output batches bytes into the transmit FIFO and never waits
 * without bound, so a missing or wedged UART cannot hang the hypervisor.
 */
#include "drivers/uart16550.h"

#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "core/errno.h"

/* Register offsets from the base port. */
#define UART_RBR 0 /* receive buffer (read, DLAB=0) */
#define UART_THR 0 /* transmit holding (write, DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_IIR 2 /* interrupt identification (read) */
#define UART_FCR 2 /* FIFO control (write) */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_SCR 7 /* scratch */
#define UART_NR_REGS 8

#define UART_LCR_8N1 0x03
#define UART_LCR_DLAB 0x80

#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04

/* Both bits read back as set only when working FIFOs are on (a 16550A). */
#define UART_IIR_FIFO_MASK 0xc0

#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02

#define UART_LSR_DR 0x01   /* a received byte is waiting */
#define UART_LSR_BI 0x10   /* break: the byte read is a 0 that nobody sent */
#define UART_LSR_THRE 0x20 /* transmit holding register (FIFO) empty */

#define UART_FIFO_SIZE 16

/*
 * LSR polls per unit of divisor before the transmitter is declared stuck:
 * far longer than a full FIFO takes to drain even at an inb per 20 ns.
 */
#define UART_SPIN_PER_DIVISOR (1u << 18)

static uint16_t uart_port;     /* 0: no UART */
static uint32_t uart_spin_limit;
static unsigned int uart_fifo_size;
static unsigned int uart_tx_room; /* bytes that fit before THRE must be seen again */
static bool uart_stuck;           /* last wait timed out: stop waiting until THRE returns */

/* A register that keeps what was written is there; a floating bus reads 0xff. */
static bool uart_scratch_works(uint16_t port)
{
	static const uint8_t patterns[] = { 0x55, 0xaa };
	uint8_t saved = inb(port + UART_SCR);
	bool ok = true;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(patterns); i++) {
		outb(patterns[i], port + UART_SCR);
		if (inb(port + UART_SCR) != patterns[i])
			ok = false;
	}
	outb(saved, port + UART_SCR);
	return ok;
}

int uart_init(uint16_t port, uint32_t baud)
{
	uint16_t divisor;
	bool fifo_ok;

	if (!port || port > 0xffff - (UART_NR_REGS - 1))
		return -EINVAL;
	if (!baud || baud > UART_BASE_BAUD || UART_BASE_BAUD % baud)
		return -EINVAL;
	if (!uart_scratch_works(port))
		return -ENODEV;

	divisor = (uint16_t)(UART_BASE_BAUD / baud);
	outb(0, port + UART_IER); /* polled: no interrupts */
	outb(UART_LCR_DLAB, port + UART_LCR);
	outb((uint8_t)divisor, port + UART_DLL);
	outb((uint8_t)(divisor >> 8), port + UART_DLM);
	outb(UART_LCR_8N1, port + UART_LCR);
	outb(UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX, port + UART_FCR);
	outb(UART_MCR_DTR | UART_MCR_RTS, port + UART_MCR);

	/* An 8250 or a 16550 with broken FIFOs takes one byte at a time. */
	fifo_ok = (inb(port + UART_IIR) & UART_IIR_FIFO_MASK) == UART_IIR_FIFO_MASK;
	uart_fifo_size = fifo_ok ? UART_FIFO_SIZE : 1;
	uart_spin_limit = UART_SPIN_PER_DIVISOR * divisor;
	uart_tx_room = 0;
	uart_stuck = false;
	uart_port = port;
	return 0;
}

/* Waits, within the spin limit, for an empty transmitter; true when it is. */
static bool uart_wait_tx_empty(void)
{
	uint32_t spins;

	if (uart_stuck) {
		/* One look only: a dead UART must not cost a full wait per byte. */
		uart_stuck = !(inb(uart_port + UART_LSR) & UART_LSR_THRE);
		return !uart_stuck;
	}
	for (spins = 0; spins < uart_spin_limit; spins++) {
		if (inb(uart_port + UART_LSR) & UART_LSR_THRE)
			return true;
		cpu_relax();
	}
	uart_stuck = true;
	return false;
}

void uart_putc(char c)
{
	if (!uart_port)
		return;
	if (!uart_tx_room) {
		if (!uart_wait_tx_empty())
			return;
		uart_tx_room = uart_fifo_size;
	}
	outb((uint8_t)c, uart_port + UART_THR);
	uart_tx_room--;
}

void uart_flush(void)
{
	uint64_t limit = (uint64_t)uart_spin_limit * uart_fifo_size;

	if (!uart_port || uart_stuck)
		return;
	/* LSR bit 6: holding and shift registers both empty, the last bit is out. */
	for (uint64_t spins = 0; spins < limit; spins++) {
		if (inb(uart_port + UART_LSR) & 0x40)
			return;
		cpu_relax();
	}
}

int uart_getc(void)
{
	uint8_t lsr, c;

	if (!uart_port)
		return -1;
	lsr = inb(uart_port + UART_LSR);
	if (!(lsr & UART_LSR_DR))
		return -1;
	c = inb(uart_port + UART_RBR);
	/* A line break (unplugged cable, a terminal's break key) is not a key press. */
	if (lsr & UART_LSR_BI)
		return -1;
	return c;
}
