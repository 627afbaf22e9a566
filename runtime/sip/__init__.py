"""Live calls over SIP (issue 18, in progress): the messages (`message`) and the media
descriptions (`sdp`) a SIP adapter reads and writes. Only what a telephony engineer's PBX or
trunk sends to an IVR is taken; anything else gets a 4xx, never an exception out of a parser."""
