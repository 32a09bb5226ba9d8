package io.flowwatch.plugin.aws;

import io.flowwatch.api.PluginMetrics;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

import java.util.List;

/**
 * Counts API calls and failed calls per operation name (a bounded label set: the SDK's operation
 * names) and HTTP attempts that were throttled, so an operator sees what the agent costs and
 * where it fails.
 */
final class ApiCallMetrics implements ExecutionInterceptor {

    private final PluginMetrics.Family<PluginMetrics.Counter> calls;
    private final PluginMetrics.Family<PluginMetrics.Counter> errors;
    private final PluginMetrics.Family<PluginMetrics.Counter> throttled;

    ApiCallMetrics(PluginMetrics metrics) {
        calls = metrics.counterFamily("aws_api_calls_total", "AWS API calls made (after the SDK's own retries).", List.of("operation"));
        errors = metrics.counterFamily("aws_api_errors_total", "AWS API calls that failed.", List.of("operation"));
        throttled = metrics.counterFamily("aws_api_throttled_total", "HTTP attempts answered with throttling (429 or a throttling error).",
                List.of("operation"));
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attrs) {
        calls.labels(List.of(operation(attrs))).inc();
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attrs) {
        String op = operation(attrs);
        calls.labels(List.of(op)).inc();
        errors.labels(List.of(op)).inc();
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attrs) {
        int status = context.httpResponse().statusCode();
        if (status == 429 || status == 503 && isThrottleHeader(context)) {
            throttled.labels(List.of(operation(attrs))).inc();
        }
    }

    private static boolean isThrottleHeader(Context.AfterTransmission context) {
        return context.httpResponse().firstMatchingHeader("x-amzn-ErrorType").map(v -> v.contains("Throttl")).orElse(false);
    }

    private static String operation(ExecutionAttributes attrs) {
        String op = attrs.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        return op == null ? "unknown" : op;
    }
}
