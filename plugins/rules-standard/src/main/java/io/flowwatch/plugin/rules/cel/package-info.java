/**
 * {@code where} expressions: CEL over a flow-log record's fields with flowwatch's helpers
 * ({@code in_cidr}, {@code is_private}, {@code tcp_flag}, {@code has_field}), type-checked when a
 * rule loads and evaluated per record without throwing. Entry point: {@link io.flowwatch.plugin.rules.cel.CelCondition}.
 * Common expression shapes skip CEL's interpreter: {@code NativeCondition} compiles the checked
 * AST into plain Java predicates over the record's columns with the same results.
 */
package io.flowwatch.plugin.rules.cel;
