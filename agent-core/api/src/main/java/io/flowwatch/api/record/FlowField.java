package io.flowwatch.api.record;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Every field AWS documents for VPC Flow Logs, through format version 8 (AWS VPC user guide,
 * "Flow log records", as summarised in the project's FLOWLOGS.md fact sheet).
 *
 * <p>In text records every value is a string; {@link Type} is the Parquet type AWS gives the
 * field, which is also how flowwatch types it (numbers are parsed, everything else stays text).
 * Fields AWS adds later are not an error: {@link FlowFormat} keeps them as strings under their
 * own name.
 */
public enum FlowField {
    VERSION("version", 2, Type.INT32),
    ACCOUNT_ID("account-id", 2, Type.STRING),
    INTERFACE_ID("interface-id", 2, Type.STRING),
    SRCADDR("srcaddr", 2, Type.STRING),
    DSTADDR("dstaddr", 2, Type.STRING),
    SRCPORT("srcport", 2, Type.INT32),
    DSTPORT("dstport", 2, Type.INT32),
    PROTOCOL("protocol", 2, Type.INT32),
    PACKETS("packets", 2, Type.INT64),
    BYTES("bytes", 2, Type.INT64),
    START("start", 2, Type.INT64),
    END("end", 2, Type.INT64),
    ACTION("action", 2, Type.STRING),
    LOG_STATUS("log-status", 2, Type.STRING),
    VPC_ID("vpc-id", 3, Type.STRING),
    SUBNET_ID("subnet-id", 3, Type.STRING),
    INSTANCE_ID("instance-id", 3, Type.STRING),
    TCP_FLAGS("tcp-flags", 3, Type.INT32),
    TYPE("type", 3, Type.STRING),
    PKT_SRCADDR("pkt-srcaddr", 3, Type.STRING),
    PKT_DSTADDR("pkt-dstaddr", 3, Type.STRING),
    REGION("region", 4, Type.STRING),
    AZ_ID("az-id", 4, Type.STRING),
    SUBLOCATION_TYPE("sublocation-type", 4, Type.STRING),
    SUBLOCATION_ID("sublocation-id", 4, Type.STRING),
    PKT_SRC_AWS_SERVICE("pkt-src-aws-service", 5, Type.STRING),
    PKT_DST_AWS_SERVICE("pkt-dst-aws-service", 5, Type.STRING),
    FLOW_DIRECTION("flow-direction", 5, Type.STRING),
    TRAFFIC_PATH("traffic-path", 5, Type.INT32),
    ECS_CLUSTER_ARN("ecs-cluster-arn", 7, Type.STRING),
    ECS_CLUSTER_NAME("ecs-cluster-name", 7, Type.STRING),
    ECS_CONTAINER_INSTANCE_ARN("ecs-container-instance-arn", 7, Type.STRING),
    ECS_CONTAINER_INSTANCE_ID("ecs-container-instance-id", 7, Type.STRING),
    ECS_CONTAINER_ID("ecs-container-id", 7, Type.STRING),
    ECS_SECOND_CONTAINER_ID("ecs-second-container-id", 7, Type.STRING),
    ECS_SERVICE_NAME("ecs-service-name", 7, Type.STRING),
    ECS_TASK_DEFINITION_ARN("ecs-task-definition-arn", 7, Type.STRING),
    ECS_TASK_ARN("ecs-task-arn", 7, Type.STRING),
    ECS_TASK_ID("ecs-task-id", 7, Type.STRING),
    REJECT_REASON("reject-reason", 8, Type.STRING);

    /** The Parquet type AWS documents for the field. */
    public enum Type {
        INT32(Integer.MAX_VALUE), INT64(Long.MAX_VALUE), STRING(0);

        private final long max;

        Type(long max) {
            this.max = max;
        }

        public boolean numeric() {
            return this != STRING;
        }

        /** Largest value a field of this type may hold; 0 for strings. */
        public long max() {
            return max;
        }
    }

    private static final Map<String, FlowField> BY_AWS_NAME = new HashMap<>();

    static {
        for (FlowField f : values()) {
            BY_AWS_NAME.put(f.awsName, f);
        }
    }

    private final String awsName;
    private final int version;
    private final Type type;
    private final String columnName;

    FlowField(String awsName, int version, Type type) {
        this.awsName = awsName;
        this.version = version;
        this.type = type;
        this.columnName = awsName.replace('-', '_');
    }

    /** The name exactly as AWS spells it, e.g. {@code log-status}. */
    public String awsName() {
        return awsName;
    }

    /** The SQL/CEL identifier: hyphens become underscores, e.g. {@code log_status}. */
    public String columnName() {
        return columnName;
    }

    /** The flow-log format version that introduced the field. */
    public int version() {
        return version;
    }

    public Type type() {
        return type;
    }

    public static Optional<FlowField> byAwsName(String name) {
        return Optional.ofNullable(BY_AWS_NAME.get(name));
    }
}
