/**
 * Tests of what the packaging module builds: the .deb (contents, conffiles, control fields,
 * maintainer scripts, an unpacked install that runs), the systemd unit (checked by
 * {@code systemd-analyze verify}) and the launcher. They run with failsafe after {@code package}.
 */
package io.flowwatch.packaging;
