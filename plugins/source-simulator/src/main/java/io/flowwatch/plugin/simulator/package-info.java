/**
 * The {@code simulator} source: deterministic, realistic VPC flow-log text for one made-up AWS
 * account (hosts with roles, skewed internet peers, background scanning, NODATA/SKIPDATA) with
 * injected attacks (SSH brute force, port scan, exfiltration), for {@code flowwatch demo}, tests
 * and benchmarks. It owns the traffic model and its rendering as text; nothing is ever sent over
 * the network.
 */
package io.flowwatch.plugin.simulator;
