/*
 * The 16550 UART behind the hypervisor's serial console. Polled, never
 * interrupt driven: 8 data bits, no parity, one stop bit, FIFOs on.
 */
#ifndef DRIVERS_UART16550_H
#define DRIVERS_UART16550_H

#include "core/types.h"

#define UART_COM1_PORT 0x3f8
#define UART_COM2_PORT 0x2f8

/* The PC's 1.8432 MHz UART clock divided by 16: the rate at divisor 1. */
#define UART_BASE_BAUD 115200

/*
 * Programs the UART at port for baud. Returns 0; -EINVAL for port 0, a
 * register range past 0xffff or a baud rate that does not divide
 * UART_BASE_BAUD; -ENODEV when no UART answers there (scratch register
 * test). On error the previously initialised UART, if any, stays in use.
 */
int uart_init(uint16_t port, uint32_t baud);

/*
 * Sends one byte, waiting a bounded time for room in the transmitter: a
 * dead UART loses output but never hangs the caller. No-op before
 * uart_init() succeeds.
 */
void uart_putc(char c);

/* The next received byte (0-255), or -1 when there is none. Never waits. */
int uart_getc(void);

/* Waits (bounded) until every byte written has left the UART. */
void uart_flush(void);

#endif
