package status

import (
	"strconv"
	"unicode/utf8"
)

// MessageLimit bounds a per-cluster message in the federated status and
// the message of an event, in bytes. A member API server's error can echo
// the whole object (a 400 KB invalid key, say); copied as is, it would make
// the status write exceed the host's request limit, so no status would be
// written at all.
const MessageLimit = 1024

// Truncate shortens message to at most limit bytes (cut on a UTF-8
// boundary), saying how many bytes were left out.
func Truncate(message string, limit int) string {
	if len(message) <= limit {
		return message
	}
	suffix := "... (" + strconv.Itoa(len(message)) + " bytes, truncated)"
	cut := max(limit-len(suffix), 0)
	for cut > 0 && !utf8.RuneStart(message[cut]) {
		cut--
	}
	return message[:cut] + suffix
}
