/** The `meow` command line, as shown by `meow help`. */
export const VERSION = '0.1.0';

export const USAGE = `usage: meow [--profile DIR] [--json] [--verbose] COMMAND
  (password from MEOW_PASSWORD, else a prompt; DIR defaults to $MEOW_PROFILE or ~/.meow)

  init --name NICK --server URL        create the identity; refuses if DIR already has one
  invite --name CONTACT [--long]       print the invitation link as the last line (QR above it unless --json)
  accept LINK [--name CONTACT]         answer an invitation (CONTACT: what you call them; default: their name)
  send CONTACT TEXT                    store and queue (CONTACT = name or uid)
  sync [--wait SECONDS]                send the outbox, pull, process, ack, repeat until nothing is left
  run                                  stay online until SIGINT/SIGTERM; other meow commands on this profile run through it
  messages CONTACT [--mark-read]       the conversation, oldest first
  contacts                             the visible contacts
  contact CONTACT [--rename N] [--block|--unblock] [--delivery-receipts on|off] [--read-receipts on|off]
  profile [--name N] [--status S]      show or change the profile
  servers [add URL]                    my message servers (an added one reaches my other devices)

  pair new --server URL [--device-name NAME] [--wait SECONDS]
                                       on the new machine: print the pairing link (last line); --wait then follows it
  pair accept LINK [--device-name NAME] [--yes] [--history-days N]
                                       on the machine with your contacts: show the safety code, confirm, send everything
  pair confirm [DEVICE] | pair refuse [DEVICE]
                                       confirm (or refuse) a pairing whose code you have compared
  pair status [--wait SECONDS]         waiting / code / syncing (progress) / done
  devices                              my devices (name, last seen, primary for how many contacts)
  devices unlink DEVICE [--yes] [--force]
                                       unlink a device: it is told, its keys are dropped
  devices make-primary [CONTACT]       on a sibling: take over the primary role (all contacts, or one)`;
