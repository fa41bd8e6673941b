# SPDX-License-Identifier: BSD-3-Clause
"""Exercise 6, two hosts with NICs bound to vfio-pci: the figures its questions refer to, from
the report of a two-host run (steps 2 to 6 of the text, cells labelled udp, vfio-pci and
vfio-pci-dpdk-client). No run of this repository has them: the text quotes no figure, so there
is no reference run and no reference value; a run without the NIC rows says how to make them."""

from exlib import Exercise, Figure, Premise, Question, mpps, p50, ratio

SEE = "docs/labs/en/06-two-host-nic.md"
HOW = ("the two-host steps 2 to 6 of docs/labs/en/06-two-host-nic.md (echo-gen on host B with "
       "--label udp, vfio-pci and vfio-pci-dpdk-client, merged into one results.json); the "
       "one-host lab has no NIC paths")
LINE_RATE_MPPS = 14.88  # 64-byte frames at 10 Gbit/s: arithmetic, not a measurement


NIC_PATHS = ("vfio-pci", "vfio-pci-dpdk-client")


def lacks(run):
    if any(c["path"] in NIC_PATHS for c in run.cells):
        return None
    return f"has no NIC paths ({', '.join(NIC_PATHS)})"


def below_line_rate(run):
    v = mpps("vfio-pci-dpdk-client", 18)(run)
    return None if v is None else v < LINE_RATE_MPPS


def line_rate_note(run):
    v = mpps("vfio-pci-dpdk-client", 18)(run)
    return (f"here DPDK to DPDK echoes {v:.2f} Mpps at 18 B, at or above the 14.88 Mpps of "
            f"64-byte frames at 10 Gbit/s: the wire is the limit (a faster NIC, or a "
            f"message per frame that is bigger); see answer 6")


EXERCISE = Exercise(
    number=6, title="Two hosts, NICs bound to vfio-pci", doc=SEE, runs={}, how=HOW, lacks=lacks,
    questions=[
        Question(1, about="what `scripts/lab bind` refuses (its own output, no report figure)"),
        Question(2, about="the IOMMU and no-IOMMU mode (no figure)"),
        Question(3, about="what stops working on a bound port (no figure)"),
        Question(4, about="NUMA placement (sysfs numa_node, no report figure)"),
        Question(5, about="which half of the round trip DPDK removed",
                 figures=[
                     Figure("udp p50, latency, 18 B", "µs", p50("udp", 18), None),
                     Figure("vfio-pci p50, latency, 18 B", "µs", p50("vfio-pci", 18), None),
                     Figure("vfio-pci-dpdk-client p50, latency, 18 B", "µs",
                            p50("vfio-pci-dpdk-client", 18), None),
                     Figure("vfio-pci / udp p50, 18 B", "×",
                            ratio(p50("vfio-pci", 18), p50("udp", 18)), None),
                     Figure("vfio-pci-dpdk-client / udp p50, 18 B", "×",
                            ratio(p50("vfio-pci-dpdk-client", 18), p50("udp", 18)), None),
                 ]),
        Question(6, about="DPDK to DPDK at 18 B against the line rate",
                 figures=[
                     Figure("vfio-pci-dpdk-client Mpps, throughput, 18 B", "Mpps",
                            mpps("vfio-pci-dpdk-client", 18), None),
                     Figure("vfio-pci Mpps, throughput, 18 B", "Mpps", mpps("vfio-pci", 18),
                            None),
                     Figure("udp Mpps, throughput, 18 B", "Mpps", mpps("udp", 18), None),
                 ],
                 premises=[Premise("DPDK to DPDK stays below the line rate of 64-byte frames "
                                   "at 10 Gbit/s (14.88 Mpps) at 18 B",
                                   below_line_rate, line_rate_note)]),
        Question(7, about="why mlx5 is not bound to vfio-pci (no figure)"),
    ])
