// SPDX-License-Identifier: GPL-2.0-only
/* Refused by the simulator: an XDP program, not SK_REUSEPORT. */

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
