-- A post deleted in Slack (thread_not_found) can take no more replies:
-- later reports of its story start a new one.
ALTER TABLE deliveries ADD COLUMN gone INTEGER NOT NULL DEFAULT 0;
