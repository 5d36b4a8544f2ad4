/*
 * A domain that floods console_io for good, in 16 KiB writes, beside a
 * witness on the same CPU. Every byte costs the CPU that writes it to the
 * serial line: without the per-domain output rate limit (core/hc_console.c)
 * each of these writes would hold the CPU for seconds and the witness
 * would miss its timeout. Every write must still succeed (it waits, it is
 * never refused). No result line: the hypervisor ends it at its timeout.
 */
#include "rt/rt.h"

const char test_title[] = "console-flood: console_io without pause, beside a witness";

#define FLOOD_WRITE (16 * 1024)
#define LINE 128

static char flood[FLOOD_WRITE];

void test_main(const struct hvm_start_info *si)
{
	(void)si;
	test_require_xen();
	for (unsigned int i = 0; i < FLOOD_WRITE; i++)
		flood[i] = i % LINE == LINE - 1 ? '\n' : 'x';
	for (unsigned int n = 1;; n++) {
		int64_t rc;

		snprintf(flood, LINE, "flood write %u", n);
		flood[strlen(flood)] = ' ';
		rc = hypercall_console_io(CONSOLEIO_write, FLOOD_WRITE, flood);
		if (rc) {
			test_fail("console_io write %u returned %ld", n, rc);
			return;
		}
	}
}
