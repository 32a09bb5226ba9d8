package io.flowwatch.plugin.aws;

import io.flowwatch.api.PluginMetrics;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

import java.util.List;

/**
 * Counts API calls and failed calls per operation name (a bounded label set: the SDK's operation
 * names) and calls the service throttled, so an operator sees what the agent costs and
 * where it fails.
 */
final class ApiCallMetrics implements ExecutionInterceptor {

    private final PluginMetrics.Family<PluginMetrics.Counter> calls;
    private final PluginMetrics.Family<PluginMetrics.Counter> errors;
    private final PluginMetrics.Family<PluginMetrics.Counter> throttled;

    ApiCallMetrics(PluginMetrics metrics) {
        calls = metrics.counterFamily("aws_api_calls_total", "AWS API calls made (after the SDK's own retries).", List.of("operation"));
        errors = metrics.counterFamily("aws_api_errors_total", "AWS API calls that failed.", List.of("operation"));
        throttled = metrics.counterFamily("aws_api_throttled_total", "AWS API calls that failed because the service throttled them.",
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
        // The SDK knows every service's throttling answers (429, S3's 503 SlowDown, 400 ThrottlingException ...).
        if (context.exception() instanceof software.amazon.awssdk.core.exception.SdkServiceException se && se.isThrottlingException()) {
            throttled.labels(List.of(op)).inc();
        }
    }

    private static String operation(ExecutionAttributes attrs) {
        String op = attrs.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        return op == null ? "unknown" : op;
    }
}
