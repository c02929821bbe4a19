/**
 * What the broker did with a follower leg, in words. The engine's leg status is the wire's verdict (`filled` means
 * "the broker accepted it"), which for a pending order is a placement, for an offsetting netting order a close, for a
 * pending deletion a deletion: the alert, `/history` and `/why` say that, not "filled". A failure keeps its status word
 * first (rejected, failed, unknown, queued, partial …), so a reader scanning for problems finds the same words.
 */

/** `action` and `status` as a LegOutcome or a journal row carries them. */
export function outcomeWord(action: string, status: string): string {
  switch (status) {
    case 'filled':
      if (action === 'place_pending') return 'placed';
      if (action === 'close') return 'closed';
      return 'filled';
    case 'partial':
      if (action === 'open') return 'partial fill';
      if (action === 'close') return 'partial close';
      if (action === 'delete_pending') return 'partial delete';
      return 'partial';
    case 'closed':
      return action === 'delete_pending' ? 'deleted' : 'closed';
    case 'modified':
      return action === 'modify_pending' ? 'moved' : 'modified';
    default:
      return status;
  }
}
