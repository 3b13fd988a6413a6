// SPDX-License-Identifier: GPL-2.0-only
/* Refused by the simulator: bpf_get_smp_processor_id, a helper it does not provide. */

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("sk_reuseport")
int smp_processor_id(struct sk_reuseport_md *md)
{
	return bpf_get_smp_processor_id() == 0 ? SK_PASS : SK_DROP;
}

char _license[] SEC("license") = "GPL";
