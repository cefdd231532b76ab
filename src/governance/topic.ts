/** Change-channel topic published after every governance write. */
export const GOVERNANCE_TOPIC = 'governance';
