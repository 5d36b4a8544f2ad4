/*
 * The PV console ring: HVM_PARAM_CONSOLE_PFN names the page (outside RAM,
 * where Xen puts it), the guest maps it and writes lines - 6 KiB in all,
 * three times the ring, so it wraps and fills - waiting (yield) for the
 * hypervisor to drain it. A line begun in the ring and ended later is kept
 * apart from a console_io line written in between. With event channels the
 * guest would also notify HVM_PARAM_CONSOLE_EVTCHN; the drain on yield is
 * what this checks.
 */
#include "rt/rt.h"
#include "core/public/console.h"

const char test_title[] = "console-ring: lines through the PV console ring page";

#define RING_LINES 60
#define LINE_LEN 100
#define WAIT_YIELDS 100000

static volatile struct xencons_interface *ring;

/* Yields until the hypervisor has taken everything, or gives up. */
static bool wait_drained(void)
{
	for (unsigned int i = 0; i < WAIT_YIELDS; i++) {
		if (ring->out_cons == ring->out_prod)
			return true;
		hypercall_yield();
	}
	return false;
}

/* Writes text into the ring, waiting for room as XTF's PV console does. */
static bool ring_write(const char *text, size_t len)
{
	for (size_t done = 0; done < len;) {
		uint32_t prod = ring->out_prod;
		unsigned int waited = 0;

		while (prod - ring->out_cons >= XENCONS_OUT_SIZE) {
			if (++waited > WAIT_YIELDS)
				return false;
			hypercall_yield();
		}
		while (done < len && prod - ring->out_cons < XENCONS_OUT_SIZE)
			ring->out[prod++ & (XENCONS_OUT_SIZE - 1)] = text[done++];
		__atomic_store_n(&ring->out_prod, prod, __ATOMIC_RELEASE);
	}
	return true;
}

void test_main(const struct hvm_start_info *si)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = HVM_PARAM_CONSOLE_PFN };
	char line[LINE_LEN + 1];
	uint64_t gpa;

	(void)si;
	test_require_xen();
	if (!check_eq("get_param(CONSOLE_PFN)", hypercall_hvm_op(HVMOP_get_param, &p), 0))
		return;
	check_eq("  at Xen's console page", (int64_t)p.value, XENCONS_HVM_PFN);
	gpa = p.value << PAGE_SHIFT;
	if (map_page(gpa, gpa, PTE_W))
		rt_panic("cannot map the console ring at %#lx", gpa);
	ring = (volatile struct xencons_interface *)(uintptr_t)gpa;
	check(ring->out_cons == 0 && ring->out_prod == 0 && ring->in_prod == 0,
	      "the ring starts empty");

	for (unsigned int n = 1; n <= RING_LINES; n++) {
		int len = snprintf(line, sizeof(line), "ring line %u: ", n);

		for (; len < LINE_LEN - 1; len++)
			line[len] = (char)('a' + (n + len) % 26);
		line[len++] = '\n';
		if (!ring_write(line, (size_t)len)) {
			test_fail("line %u: the ring was not drained", n);
			return;
		}
	}
	check(wait_drained(), "all %u lines (%u bytes) drained", RING_LINES,
	      RING_LINES * LINE_LEN);
	check_eq("out_cons", ring->out_cons, RING_LINES * LINE_LEN);

	/* A ring line in two parts, a console_io line in between. */
	ring_write("ring: first half, ", 18);
	check(wait_drained(), "half a line drained");
	printk("console_io: a whole line between the halves\n");
	ring_write("second half\n", 12);
	check(wait_drained(), "the rest drained");
}
