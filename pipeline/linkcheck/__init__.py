"""The nightly link check: the transport (`transport`), the check of one URL (`check`, `sites`, `soft404`)
under the status rules (`status`), scheduling (`schedule`), the streak rule (`streak`), the history store
(`history`), reports (`report`), the status file read by build and the handbook (`health`), archived
copies (`archive`) and the run end to end (`run`)."""
