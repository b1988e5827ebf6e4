"""The nightly link check: status rules (`status`), fetching (`fetch`), scheduling (`schedule`),
history (`history`), reports (`report`), the status file read by build and the handbook (`health`)
and the run end to end (`run`)."""
