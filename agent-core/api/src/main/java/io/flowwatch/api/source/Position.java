package io.flowwatch.api.source;

import java.util.Objects;

/**
 * A source's progress for one partition (a file, an S3 prefix, a log stream), in the source's
 * own encoding. The runtime stores the latest offset per partition; a null offset forgets the
 * partition (e.g. a deleted file).
 */
public record Position(String partition, String offset) {
    public Position {
        Objects.requireNonNull(partition, "partition");
    }
}
