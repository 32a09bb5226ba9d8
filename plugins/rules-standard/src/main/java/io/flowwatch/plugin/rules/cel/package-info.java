/**
 * {@code where} expressions: CEL over a flow-log record's fields with flowwatch's helpers
 * ({@code in_cidr}, {@code is_private}, {@code tcp_flag}, {@code has_field}), type-checked when a
 * rule loads and evaluated per record without throwing. Entry point: {@link io.flowwatch.plugin.rules.cel.CelCondition}.
 */
package io.flowwatch.plugin.rules.cel;
