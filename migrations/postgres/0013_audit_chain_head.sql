-- The audit chain's head, read once the chain's lock is held: one round trip where there were
-- two (docs/performance.md, "Logins: the audit chain's head in one round trip").
--
-- An append must read the head only after it holds the chain's advisory lock, or two appenders
-- could read the same head. As two statements, lock then read, that cost every audited unit of
-- work a round trip more (a login makes two). A VOLATILE function takes a fresh snapshot for
-- each statement it runs at READ COMMITTED, so its read after the lock sees every append
-- committed before the lock was granted, as the separate statement did.
CREATE FUNCTION audit_chain_head(lock_key BIGINT)
    RETURNS TABLE (seq BIGINT, hash TEXT) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN QUERY SELECT a.seq, a.hash FROM audit_log AS a ORDER BY a.seq DESC LIMIT 1;
END;
$$;
