/**
 * IP address lists for the {@code ip-list} rule: allocation-free address parsing, the sorted range
 * table looked up per record, and the list-file reader with its {@code path:line} problem reports.
 */
package io.flowwatch.plugin.rules.iplist;
