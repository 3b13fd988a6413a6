// SPDX-License-Identifier: GPL-2.0-only
/*
 * The shape of the kernel selftest's program (selftests/bpf progs/test_migrate_reuseport.c):
 *
 * - a SYN (migrating_sk == NULL) passes without a selection;
 * - a migration looks up the key migrate_map[cookie of the stopped listener] (missing:
 *   SK_DROP) and selects reuseport_map[key]; if that fails it passes without a selection
 *   and counts nothing;
 * - a successful selection is counted by the migrating socket's state in counters[]:
 *   0 ESTABLISHED (at close), 1 SYN_RECV (TCP Fast Open child at close),
 *   2 NEW_SYN_RECV without a packet (SYN-ACK timer), 3 NEW_SYN_RECV with one (final ACK).
 */

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
	__uint(max_entries, 256);
	__type(key, int);
	__type(value, __u64);
} reuseport_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, int);
} migrate_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &which);

	if (c)
		__sync_fetch_and_add(c, 1);
}

SEC("sk_reuseport/migrate")
int migrate_reuseport(struct sk_reuseport_md *md)
{
	__u64 cookie;
	int *key, state;

	if (!md->migrating_sk)
		return SK_PASS;
	/* Read here, as the selftest does: after a helper call the compiler loads
	 * migrating_sk again, and the kernel's verifier refuses that unchecked pointer. */
	state = md->migrating_sk->state;

	cookie = bpf_get_socket_cookie(md->sk);
	key = bpf_map_lookup_elem(&migrate_map, &cookie);
	if (!key)
		return SK_DROP;

	if (bpf_sk_select_reuseport(md, &reuseport_map, key, 0) != 0)
		return SK_PASS;

	switch (state) {
	case BPF_TCP_ESTABLISHED:
		count(0);
		break;
	case BPF_TCP_SYN_RECV:
		count(1);
		break;
	case BPF_TCP_NEW_SYN_RECV:
		count(md->len == 0 ? 2 : 3);
		break;
	}
	return SK_PASS;
}

char _license[] SEC("license") = "GPL";
