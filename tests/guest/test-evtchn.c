/*
 * Event channels within one domain: every EVTCHNOP's errors, a loopback
 * interdomain channel and an IPI delivered as upcalls, masking, the
 * callback turned on after the fact, a vcpu_info moved into guest RAM,
 * SCHEDOP_poll and SCHEDOP_block, and all 4095 ports allocated and freed.
 */
#include "rt/rt.h"

const char test_title[] = "event channels: one domain";

#define UNMAPPED_VA 0x8000000000ull
#define NO_SUCH_DOMID 1000
#define BAD_CMD 99
#define MAX_HALTS 1000

static uint8_t vcpu_info_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static evtchn_port_t ports[EVTCHN_2L_NR_CHANNELS];

static int64_t op(unsigned int cmd, void *arg)
{
	return hypercall_event_channel_op(cmd, arg);
}

static void test_errors(void)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_virq bv;
	struct evtchn_bind_interdomain bi;
	struct evtchn_status st;
	struct evtchn_bind_vcpu bvc;
	evtchn_port_t port, virq_port;

	printk("errors\n");
	check_eq("unknown command", op(BAD_CMD, &au), -ENOSYS);
	{
		struct evtchn_init_control ic = {
			.control_gfn = (uint64_t)(uintptr_t)vcpu_info_page >> PAGE_SHIFT,
		};

		check_eq("FIFO init_control (2-level only)", op(EVTCHNOP_init_control, &ic), -ENOSYS);
		ic.control_gfn = (uint64_t)-2;
		check_eq("init_control with a bad frame (XSA-188)", op(EVTCHNOP_init_control, &ic),
			 -EINVAL);
	}
	check_eq("expand_array", op(EVTCHNOP_expand_array, &au), -ENOSYS);
	check_eq("bind_pirq (no physical IRQs)", op(EVTCHNOP_bind_pirq, &au), -EPERM);
	check_eq("alloc_unbound from an unmapped address",
		 op(EVTCHNOP_alloc_unbound, (void *)UNMAPPED_VA), -EFAULT);
	au.dom = NO_SUCH_DOMID;
	check_eq("alloc_unbound for a domain that does not exist", op(EVTCHNOP_alloc_unbound, &au),
		 -ESRCH);
	au = (struct evtchn_alloc_unbound){ .dom = DOMID_SELF, .remote_dom = DOMID_IO };
	check_eq("alloc_unbound with DOMID_IO as the remote domain", op(EVTCHNOP_alloc_unbound, &au),
		 -EINVAL);
	check_eq("send on port 0", evtchn_send(0), -EINVAL);
	check_eq("send on a port never allocated", evtchn_send(77), -EINVAL);
	check_eq("send on port 4096 (beyond the 2-level ABI)", evtchn_send(4096), -EINVAL);
	check_eq("send on port 0xffffffff", evtchn_send(0xffffffffu), -EINVAL);
	check_eq("close of a free port", evtchn_close(5), -EINVAL);
	check_eq("unmask of a free port", evtchn_unmask(5), -EINVAL);
	check_eq("bind_virq 24 (no such VIRQ)", evtchn_bind_virq(NR_VIRQS, 0, &port), -EINVAL);
	check_eq("bind_virq VIRQ_DEBUG on vCPU 7 (no such vCPU)",
		 evtchn_bind_virq(VIRQ_DEBUG, 7, &port), -ENOENT);
	check_eq("bind_virq of a global VIRQ on vCPU 1", evtchn_bind_virq(VIRQ_CON_RING, 1, &port),
		 -EINVAL);
	check_eq("bind_ipi to vCPU 7", evtchn_bind_ipi(7, &port), -ENOENT);
	check_eq("bind_interdomain to a domain that does not exist",
		 evtchn_bind_interdomain(NO_SUCH_DOMID, 1, &port), -ESRCH);
	check_eq("bind_interdomain to a free port of our own",
		 evtchn_bind_interdomain(DOMID_SELF, 9, &port), -EINVAL);
	bi = (struct evtchn_bind_interdomain){ .remote_dom = DOMID_SELF, .remote_port = 4096 };
	check_eq("bind_interdomain to port 4096", op(EVTCHNOP_bind_interdomain, &bi), -EINVAL);
	check_eq("status of port 4096", evtchn_status(4096, &st), -EINVAL);
	st = (struct evtchn_status){ .dom = NO_SUCH_DOMID, .port = 1 };
	check_eq("status in a domain that does not exist", op(EVTCHNOP_status, &st), -ESRCH);
	bvc = (struct evtchn_bind_vcpu){ .port = 1, .vcpu = 5 };
	check_eq("bind_vcpu to vCPU 5", op(EVTCHNOP_bind_vcpu, &bvc), -ENOENT);

	/* A VIRQ binds once per vCPU; a per-vCPU one cannot move. */
	if (check_eq("bind_virq VIRQ_DEBUG on vCPU 0", evtchn_bind_virq(VIRQ_DEBUG, 0, &virq_port), 0)) {
		check_eq("bind_virq VIRQ_DEBUG again", evtchn_bind_virq(VIRQ_DEBUG, 0, &port), -EEXIST);
		check_eq("status of the VIRQ port", evtchn_status(virq_port, &st), 0);
		check_eq("  status virq", st.status, EVTCHNSTAT_virq);
		check_eq("  virq", st.u.virq, VIRQ_DEBUG);
		bvc = (struct evtchn_bind_vcpu){ .port = virq_port, .vcpu = 0 };
		check_eq("bind_vcpu of a per-vCPU VIRQ", op(EVTCHNOP_bind_vcpu, &bvc), -EINVAL);
		check_eq("close the VIRQ port", evtchn_close(virq_port), 0);
		check_eq("close it again", evtchn_close(virq_port), -EINVAL);
		check_eq("bind_virq VIRQ_DEBUG after the close", evtchn_bind_virq(VIRQ_DEBUG, 0, &port), 0);
		check_eq("close that one", evtchn_close(port), 0);
	}
	bv = (struct evtchn_bind_virq){ .virq = VIRQ_TIMER, .vcpu = 0 };
	check_eq("bind_virq with an unmapped result address",
		 op(EVTCHNOP_bind_virq, (void *)UNMAPPED_VA), -EFAULT);
	(void)bv;
}

/* Before any callback is set, events are only bits in shared_info. */
static void test_no_callback(void)
{
	evtchn_port_t port;

	printk("no callback yet\n");
	if (!check_eq("bind_ipi to vCPU 0", evtchn_bind_ipi(0, &port), 0))
		return;
	evtchn_count[port] = 0;
	check_eq("send on the IPI port", evtchn_send(port), 0);
	check(evtchn_is_pending(port), "port %u is pending in shared_info", port);
	check(rt_vcpu_info->evtchn_upcall_pending == 1, "vcpu_info upcall_pending is 1");
	check(rt_vcpu_info->evtchn_pending_sel & (1ull << (port / 64)), "its selector bit is set");
	check_eq("no upcall was taken", evtchn_upcalls, 0);

	/* Setting the callback delivers what is already pending. */
	check_eq("HVM_PARAM_CALLBACK_IRQ = vector", evtchn_set_callback(true), 0);
	check_eq("the pending event arrives as an upcall", evtchn_wait(port, 1, MAX_HALTS), 1);
	check(!evtchn_is_pending(port), "the handler cleared the pending bit");
	check_eq("close the IPI port", evtchn_close(port), 0);
}

static void test_callback_param(void)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ };
	struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = 0, .vector = 0x0f };

	printk("callback parameters\n");
	p.value = (uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << HVM_PARAM_CALLBACK_TYPE_SHIFT | 0x0f;
	check_eq("CALLBACK_IRQ vector 0x0f (an exception)", hypercall_hvm_op(HVMOP_set_param, &p),
		 -EINVAL);
	p.value = (uint64_t)HVM_PARAM_CALLBACK_TYPE_GSI << HVM_PARAM_CALLBACK_TYPE_SHIFT | 5;
	check_eq("CALLBACK_IRQ of the GSI type (no IOAPIC)", hypercall_hvm_op(HVMOP_set_param, &p),
		 -EOPNOTSUPP);
	check_eq("set_evtchn_upcall_vector 0x0f", hypercall_hvm_op(HVMOP_set_evtchn_upcall_vector, &uv),
		 -EINVAL);
	uv = (struct xen_hvm_evtchn_upcall_vector){ .vcpu = 3, .vector = RT_UPCALL_VECTOR };
	check_eq("set_evtchn_upcall_vector on vCPU 3",
		 hypercall_hvm_op(HVMOP_set_evtchn_upcall_vector, &uv), -ENOENT);
	check_eq("set_evtchn_upcall_vector from an unmapped address",
		 hypercall_hvm_op(HVMOP_set_evtchn_upcall_vector, (void *)UNMAPPED_VA), -EFAULT);
	p = (struct xen_hvm_param){ .domid = DOMID_SELF, .index = HVM_PARAM_CALLBACK_IRQ };
	check_eq("get_param(CALLBACK_IRQ)", hypercall_hvm_op(HVMOP_get_param, &p), 0);
	check_eq("  is the vector we set", (int64_t)p.value,
		 (int64_t)((uint64_t)HVM_PARAM_CALLBACK_TYPE_VECTOR << HVM_PARAM_CALLBACK_TYPE_SHIFT |
			   RT_UPCALL_VECTOR));
}

static void test_loopback(void)
{
	evtchn_port_t a, b;
	struct evtchn_status st;
	uint32_t upcalls;

	printk("loopback channel\n");
	if (!check_eq("alloc_unbound for ourselves", evtchn_alloc_unbound(DOMID_SELF, &a), 0))
		return;
	check_eq("status: unbound", evtchn_status(a, &st), 0);
	check_eq("  status", st.status, EVTCHNSTAT_unbound);
	check_eq("  for domain", st.u.unbound.dom, rt_domid());
	check_eq("send on the unbound port (dropped)", evtchn_send(a), 0);
	evtchn_count[a] = 0;
	/* Interrupts off: the bind's own event must not be counted against a stale count. */
	irq_disable();
	if (!check_eq("bind_interdomain to it", evtchn_bind_interdomain(DOMID_SELF, a, &b), 0)) {
		irq_enable();
		return;
	}
	evtchn_count[b] = 0;
	irq_enable();
	check(b != a, "a second port (%u, %u)", a, b);
	check_eq("bind_interdomain to it again (no longer unbound)",
		 evtchn_bind_interdomain(DOMID_SELF, a, &st.port), -EINVAL);
	/* The bind notifies the new port, as Xen does for events lost while unbound. */
	check_eq("the bind notified the new port", evtchn_wait(b, 1, MAX_HALTS), 1);
	check_eq("status of the first end", evtchn_status(a, &st), 0);
	check_eq("  status", st.status, EVTCHNSTAT_interdomain);
	check_eq("  remote port", st.u.interdomain.port, b);
	check_eq("  remote domain", st.u.interdomain.dom, rt_domid());

	check_eq("send a -> b", evtchn_send(a), 0);
	check_eq("b got it", evtchn_wait(b, 2, MAX_HALTS), 2);
	check_eq("send b -> a", evtchn_send(b), 0);
	check_eq("a got it", evtchn_wait(a, 1, MAX_HALTS), 1);

	/* Masked: pending, no upcall; unmask delivers it. */
	evtchn_mask(b);
	upcalls = evtchn_upcalls;
	check_eq("send to masked b", evtchn_send(a), 0);
	check(evtchn_is_pending(b), "b is pending while masked");
	check_eq("no upcall while masked", evtchn_upcalls, upcalls);
	check_eq("unmask b", evtchn_unmask(b), 0);
	check_eq("unmask delivered it", evtchn_wait(b, 3, MAX_HALTS), 3);

	/* Two sends before the guest looks are one event (a pending bit). */
	irq_disable();
	evtchn_send(a);
	evtchn_send(a);
	irq_enable();
	check_eq("two sends while interrupts were off: one event", evtchn_wait(b, 4, MAX_HALTS), 4);

	check_eq("close a", evtchn_close(a), 0);
	check_eq("status of b: unbound again", evtchn_status(b, &st), 0);
	check_eq("  status", st.status, EVTCHNSTAT_unbound);
	check_eq("status of a: closed", evtchn_status(a, &st), 0);
	check_eq("  status", st.status, EVTCHNSTAT_closed);
	check_eq("send on closed a", evtchn_send(a), -EINVAL);
	check_eq("send on unbound b (dropped)", evtchn_send(b), 0);
	check_eq("close b", evtchn_close(b), 0);
}

/* A vcpu_info in our own RAM: events land there from now on. */
static void test_vcpu_info(void)
{
	struct vcpu_register_vcpu_info reg = {
		.mfn = (uint64_t)(uintptr_t)vcpu_info_page >> PAGE_SHIFT,
		.offset = 128,
	};
	volatile struct vcpu_info *vi = (volatile void *)(vcpu_info_page + 128);
	evtchn_port_t port;
	uint32_t upcalls;

	printk("vcpu_info in guest RAM\n");
	if (!check_eq("bind_ipi", evtchn_bind_ipi(0, &port), 0))
		return;
	evtchn_count[port] = 0;
	irq_disable();
	if (!check_eq("register_vcpu_info", hypercall_vcpu_op(VCPUOP_register_vcpu_info, 0, &reg),
		      0)) {
		irq_enable();
		return;
	}
	/* Xen marks everything pending after the move, so nothing is lost. */
	check(vi->evtchn_upcall_pending == 1, "the new vcpu_info has upcall_pending set");
	check(vi->evtchn_pending_sel == ~0ull, "and every selector bit");
	rt_vcpu_info = vi;
	upcalls = evtchn_upcalls;
	irq_enable();
	evtchn_wait(port, 0, 4);
	check(evtchn_upcalls > upcalls, "that pending state was delivered as an upcall");
	check_eq("send on the IPI port", evtchn_send(port), 0);
	check_eq("delivered through the new vcpu_info", evtchn_wait(port, 1, MAX_HALTS), 1);
	check(rt_shared_info->vcpu_info[0].evtchn_upcall_pending == 0,
	      "shared_info's old slot is no longer written");
	check_eq("close the IPI port", evtchn_close(port), 0);
}

static int64_t poll(evtchn_port_t *list, uint32_t n, uint64_t timeout)
{
	struct sched_poll p = { .ports = (uint64_t)(uintptr_t)list, .nr_ports = n,
				.timeout = timeout };

	return hypercall_sched_op(SCHEDOP_poll, &p);
}

static void test_poll_block(void)
{
	evtchn_port_t port, list[2];
	struct sched_poll p;

	printk("SCHEDOP_poll and SCHEDOP_block\n");
	if (!check_eq("bind_ipi", evtchn_bind_ipi(0, &port), 0))
		return;
	evtchn_count[port] = 0;
	p = (struct sched_poll){ .ports = (uint64_t)(uintptr_t)list, .nr_ports = 129 };
	check_eq("poll on 129 ports", hypercall_sched_op(SCHEDOP_poll, &p), -EINVAL);
	check_eq("poll from an unmapped address",
		 hypercall_sched_op(SCHEDOP_poll, (void *)UNMAPPED_VA), -EFAULT);
	p = (struct sched_poll){ .ports = UNMAPPED_VA, .nr_ports = 1 };
	check_eq("poll with an unmapped port list", hypercall_sched_op(SCHEDOP_poll, &p), -EFAULT);
	list[0] = 4096;
	check_eq("poll on port 4096", poll(list, 1, 0), -EINVAL);
	list[0] = port;
	/* System time is well past 1 ns by now: the timeout has passed, poll returns at once. */
	check_eq("poll with a timeout already passed", poll(list, 1, 1), 0);

	/* Masked and pending: poll sees it and returns at once. */
	evtchn_mask(port);
	evtchn_send(port);
	list[0] = 77;
	list[1] = port;
	check_eq("poll on two ports, one pending (masked)", poll(list, 2, 0), 0);
	check(evtchn_is_pending(port), "poll does not consume the event");
	evtchn_clear(port);

	/* SCHEDOP_block with an upcall pending returns at once. */
	irq_disable();
	evtchn_unmask(port);
	evtchn_send(port);
	check_eq("block with an event pending", hypercall_sched_op(SCHEDOP_block, NULL), 0);
	check(rt_vcpu_info->evtchn_upcall_pending, "the upcall is still to be taken");
	irq_enable();
	check_eq("and it is taken once interrupts are on", evtchn_wait(port, 1, MAX_HALTS), 1);
	check_eq("close the IPI port", evtchn_close(port), 0);
}

static void test_all_ports(void)
{
	struct evtchn_status st;
	evtchn_port_t port;
	unsigned int n = 0, bad = 0;
	int64_t rc;

	printk("every port\n");
	for (;;) {
		rc = evtchn_alloc_unbound(DOMID_SELF, &port);
		if (rc)
			break;
		ports[n++] = port;
		if (n == EVTCHN_2L_NR_CHANNELS)
			break;
	}
	check_eq("allocation ends with -ENOSPC", rc, -ENOSPC);
	check_eq("ports allocated (all but port 0)", n, EVTCHN_2L_NR_CHANNELS - 1);
	check_eq("the last one is 4095", ports[n - 1], EVTCHN_2L_NR_CHANNELS - 1);
	for (unsigned int i = 0; i < n; i++)
		bad += evtchn_close(ports[i]) != 0;
	check_eq("every close succeeded", bad, 0);
	check_eq("status of 4095 after the close", evtchn_status(4095, &st), 0);
	check_eq("  closed", st.status, EVTCHNSTAT_closed);
	check_eq("the lowest port is handed out again", evtchn_alloc_unbound(DOMID_SELF, &port), 0);
	check_eq("  port 1", port, 1);
	check_eq("close it", evtchn_close(port), 0);
}

void test_main(const struct hvm_start_info *si)
{
	(void)si;
	test_require_xen();
	if (evtchn_setup()) {
		test_error("cannot map shared_info");
		return;
	}
	test_errors();
	test_no_callback();
	test_callback_param();
	test_loopback();
	test_poll_block();
	test_all_ports();
	test_vcpu_info();
}
