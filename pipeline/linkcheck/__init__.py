"""The nightly link check: status rules (`status`), fetching (`fetch`), scheduling (`schedule`),
history (`history`), reports (`report`) and the run end to end (`run`)."""
