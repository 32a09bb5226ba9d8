/** Flow-log values: the fields AWS documents, formats and immutable records. */
package io.flowwatch.api.record;
