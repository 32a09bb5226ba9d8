package io.flowwatch.plugin.aws;

import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import io.flowwatch.api.config.ConfigReader;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AwsClientSettingsTest {

    static ConfigReader reader(String hocon) {
        return new ConfigReader(ConfigFactory.parseString(hocon, ConfigParseOptions.defaults().setOriginDescription("agent.conf")),
                "flowwatch.sources.s3");
    }

    @Test
    void readsTheSharedKeys() {
        ConfigReader r = reader("region = eu-west-1, endpoint-override = \"http://127.0.0.1:9000\", role-arn = \"arn:aws:iam::123456789012:role/fw\", api-timeout = 5s");
        AwsClientSettings s = AwsClientSettings.read(r);
        assertThat(r.problems()).isEmpty();
        assertThat(s.region()).isEqualTo("eu-west-1");
        assertThat(s.endpointOverride()).hasToString("http://127.0.0.1:9000");
        assertThat(s.roleArn()).isEqualTo("arn:aws:iam::123456789012:role/fw");
        assertThat(s.roleSessionName()).isEqualTo("flowwatch");
        assertThat(s.apiTimeout()).hasSeconds(5);
    }

    @Test
    void everyBadKeyIsAProblemAtItsLine() {
        ConfigReader r = reader("region = Ireland\nendpoint-override = \"ftp://x\"\nrole-arn = \"fw\"");
        AwsClientSettings.read(r);
        assertThat(r.problems()).extracting(Object::toString).containsExactly(
                "agent.conf:1: flowwatch.sources.s3.region: expected an AWS region name such as eu-west-1, got 'Ireland'",
                "agent.conf:2: flowwatch.sources.s3.endpoint-override: expected an http(s) URL such as http://127.0.0.1:9000, got 'ftp://x'",
                "agent.conf:3: flowwatch.sources.s3.role-arn: expected a role ARN such as arn:aws:iam::123456789012:role/flowwatch, got 'fw'");
    }
}
