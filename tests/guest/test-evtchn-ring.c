/*
 * Event channels between domains: N domains (ids 1..N, this kernel in
 * each) form a ring. Domain i offers its first port to domain i+1
 * (alloc_unbound) and binds domain i-1's first port, so each channel is
 * found without XenStore: every domain runs this kernel on the same
 * hypervisor, so its first free port (1, or the one after those the
 * hypervisor binds for its own rings) is the same number in each. A token goes
 * round the ring `rounds` times; then domains 2..N end and domain 1 sees
 * both of its channels become unbound, the peers' teardown having closed
 * their ends. With two domains this is a ping-pong, and bench=NAME makes
 * domain 1 print "BENCH NAME <ticks per round trip> instructions".
 *
 * The module command line: peers=N rounds=R [bench=NAME].
 */
#include "rt/rt.h"

const char test_title[] = "event channels: a ring of domains";

#define MAX_HALTS 1000000
#define MAX_POLLS 200000
#define WARMUP_ROUNDS 20

/* The value of "key=" in the command line, or def. */
static uint64_t cmdline_number(const char *key, uint64_t def)
{
	const char *s = rt_cmdline();
	size_t len = strlen(key);

	for (; *s; s++) {
		uint64_t v = 0;

		if ((s != rt_cmdline() && s[-1] != ' ') || strncmp(s, key, len) || s[len] != '=')
			continue;
		for (s += len + 1; *s >= '0' && *s <= '9'; s++)
			v = v * 10 + (uint64_t)(*s - '0');
		return v;
	}
	return def;
}

static void cmdline_word(const char *key, char *out, size_t size)
{
	const char *s = rt_cmdline();
	size_t len = strlen(key), n = 0;

	out[0] = '\0';
	for (; *s; s++) {
		if ((s != rt_cmdline() && s[-1] != ' ') || strncmp(s, key, len) || s[len] != '=')
			continue;
		for (s += len + 1; *s && *s != ' ' && n + 1 < size; s++)
			out[n++] = *s;
		out[n] = '\0';
		return;
	}
}

static bool wait_status(evtchn_port_t port, uint32_t status, domid_t dom)
{
	struct evtchn_status st;

	for (unsigned int i = 0; i < MAX_POLLS; i++) {
		if (evtchn_status(port, &st) == 0 && st.status == status &&
		    (status != EVTCHNSTAT_unbound || st.u.unbound.dom == dom))
			return true;
		hypercall_yield();
	}
	return false;
}

void test_main(const struct hvm_start_info *si)
{
	uint32_t peers = (uint32_t)cmdline_number("peers", 2);
	uint64_t rounds = cmdline_number("rounds", 100);
	uint32_t me, prev, next;
	evtchn_port_t to_next, from_prev = 0;
	char bench[48];
	uint64_t start = 0, i;
	int64_t rc = -1;

	(void)si;
	test_require_xen();
	cmdline_word("bench", bench, sizeof(bench));
	me = rt_domid();
	if (peers < 2 || me < 1 || me > peers) {
		test_error("domain %u of peers=%u: want ids 1..peers", me, peers);
		return;
	}
	prev = me == 1 ? peers : me - 1;
	next = me == peers ? 1 : me + 1;
	if (evtchn_setup() || evtchn_set_callback(true)) {
		test_error("cannot map shared_info or set the callback");
		return;
	}

	/* Offer our first port to the next domain, then bind the previous one's. */
	if (!check_eq("alloc_unbound for the next domain", evtchn_alloc_unbound(next, &to_next), 0) ||
	    !check(to_next != 0, "  port %u", to_next))
		return;
	for (i = 0; i < MAX_POLLS; i++) {
		irq_disable();
		rc = evtchn_bind_interdomain(prev, to_next, &from_prev);
		if (rc == 0)
			break;
		irq_enable();
		hypercall_yield();
	}
	if (!check_eq("bind_interdomain to the previous domain's first port", rc, 0))
		return;
	evtchn_count[from_prev] = 0;
	irq_enable();
	printk("domain %u: port %u to d%u, port %u from d%u\n", me, to_next, next, from_prev, prev);
	/* The bind's own event (Xen's "events may have been lost" notification). */
	if (!check_eq("the bind notified our new port", evtchn_wait(from_prev, 1, MAX_HALTS), 1))
		return;
	evtchn_count[from_prev] = 0;
	/* Ready: tell the previous domain (on its first port); wait for the next one to say so. */
	check_eq("send ready to the previous domain", evtchn_send(from_prev), 0);
	if (!check_eq("the next domain is ready", evtchn_wait(to_next, 1, MAX_HALTS), 1))
		return;

	for (i = 1; i <= rounds + WARMUP_ROUNDS; i++) {
		if (me == 1) {
			if (i == WARMUP_ROUNDS + 1)
				start = rdtsc();
			evtchn_send(to_next);
			if (evtchn_wait(from_prev, (uint32_t)i, MAX_HALTS) != i)
				break;
		} else {
			if (evtchn_wait(from_prev, (uint32_t)i, MAX_HALTS) != i)
				break;
			evtchn_send(to_next);
		}
	}
	if (!check_eq("rounds completed", (int64_t)i - 1, (int64_t)(rounds + WARMUP_ROUNDS)))
		return;
	check_eq("no stray events on the port to the next domain", evtchn_count[to_next], 1);
	if (me == 1) {
		uint64_t ticks = rdtsc() - start;

		printk("%lu round trips through %u domains, %lu ticks each\n", rounds, peers,
		       ticks / rounds);
		if (bench[0])
			printk("BENCH %s %lu instructions\n", bench, ticks / rounds);
		/* The others end now: their teardown leaves our ends unbound, naming them. */
		check(wait_status(to_next, EVTCHNSTAT_unbound, (domid_t)next),
		      "port %u unbound once d%u is gone", to_next, next);
		check(wait_status(from_prev, EVTCHNSTAT_unbound, (domid_t)prev),
		      "port %u unbound once d%u is gone", from_prev, prev);
		check_eq("send on it is dropped, not an error", evtchn_send(to_next), 0);
	}
}
