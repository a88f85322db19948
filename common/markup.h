/* The one table of XML entities: what the status page (HTML) and the speech
 * phrases (SSML) write for the characters markup reserves. */
#ifndef CB_MARKUP_H
#define CB_MARKUP_H

/* The entity that stands for c in markup text and in a double-quoted
 * attribute value ("&amp;" for '&', and so on), or NULL when c stands as
 * itself. */
const char *markup_entity(char c);

#endif
