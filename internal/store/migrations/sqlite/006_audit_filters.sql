-- The audit log's filters (?action=, ?actor_id=) read newest first within a
-- workspace without scanning the workspace's whole log.
CREATE INDEX audit_log_workspace_action ON audit_log(workspace_id, action, id);
CREATE INDEX audit_log_workspace_actor ON audit_log(workspace_id, actor_id, id);
