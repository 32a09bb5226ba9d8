package io.flowwatch.runtime.config;

import com.typesafe.config.Config;

/**
 * One named block under {@code sources}, {@code notifiers} or {@code query-engines}: its type and
 * the raw block (plugin defaults are applied when the factory is known).
 *
 * @param path   the block's full config path, for messages (e.g. {@code flowwatch.sources.local})
 * @param origin {@code file:line} of the block
 * @param deliveryDefaults for notifiers, {@code flowwatch.notifier-delivery}: below the block's own
 *                         {@code delivery} and its type's defaults; null for other kinds
 */
public record ComponentConfig(String name, String type, Config block, String path, String origin, Config deliveryDefaults) {

    public ComponentConfig(String name, String type, Config block, String path, String origin) {
        this(name, type, block, path, origin, null);
    }
}
