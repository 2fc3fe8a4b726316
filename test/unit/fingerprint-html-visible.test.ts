/**
 * htmlToText keeps only the text a reader sees: each way of hiding text that spammers use (hidden text salting)
 * is left out and counted, what a mail client shows stays, and the pass stays linear on hostile markup.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { htmlToText, HIDDEN_CLOSE, HIDDEN_OPEN, type HtmlTextStats } from "../../src/fingerprint/html-text.js";
import { testHiddenCases, testShownCases, visibleWords } from "../support/visible-words.js";
import { parseColour, invisibleOn, TRANSPARENT } from "../../src/fingerprint/css-values.js";

void describe("htmlToText: hidden text is left out", () => {
  const hidden: [string, string][] = [
    ["display:none", '<div style="display:none">salt</div>'],
    ["display:none !important, upper case", '<span style="DISPLAY: NONE !important">salt</span>'],
    ["visibility:hidden", '<span style="visibility:hidden">salt</span>'],
    ["font-size:0", '<span style="font-size:0">salt</span>'],
    ["font-size:0px in a font shorthand", '<span style="font:0/0 a">salt</span>'],
    ["font-size:1px", '<span style="font-size:1px">salt</span>'],
    ["font-size:2px", '<span style="font-size:2px">salt</span>'],
    ["font-size:4.9px", '<span style="font-size:4.9px">salt</span>'],
    ["font-size:3pt (4px)", '<span style="font-size:3pt">salt</span>'],
    ["opacity:0", '<span style="opacity:0">salt</span>'],
    ["colour equal to a declared background", '<div style="background:#fff"><span style="color:#FFFFFF">salt</span></div>'],
    ["near-white on white", '<td bgcolor="white"><font color="#fdfdfd">salt</font></td>'],
    ["white with no background declared: mail is shown on white", '<span style="color:#ffffff">salt</span>'],
    ["near-white with no background declared", '<font color="#fefefe">salt</font>'],
    ["yellow with no background declared", '<div style="color:yellow">salt</div>'],
    ["yellow on white (contrast 1.07 to 1)", '<body bgcolor="#ffffff"><span style="color:#ffff00">salt</span></body>'],
    ["cyan on white (1.25 to 1)", '<div style="background:white"><font color="aqua">salt</font></div>'],
    ["a pale grey on white (1.16 to 1)", '<td bgcolor="#fff"><span style="color:#eeeeee">salt</span></td>'],
    ["white on a pale cyan (1.19 to 1)", '<table bgcolor="#80ffff"><tr><td><font color="#ffffff">salt</font></td></tr></table>'],
    ["transparent text", '<span style="color:rgba(0,0,0,0)">salt</span>'],
    ["max-height:0 with overflow:hidden", '<div style="max-height:0;overflow:hidden">salt</div>'],
    ["a 1px box that clips", '<div style="width:1px;height:1px;overflow:hidden">salt</div>'],
    ["off-screen", '<div style="position:absolute;left:-9999px">salt</div>'],
    ["text-indent off the page", '<p style="text-indent:-5000px">salt</p>'],
    ["clip rect(0 0 0 0)", '<span style="position:absolute;clip:rect(0 0 0 0)">salt</span>'],
    ["scale(0)", '<span style="transform:scale(0)">salt</span>'],
    ["the hidden attribute", "<p hidden>salt</p>"],
    ["a class rule", "<style>.x{display:none}</style><span class='a x'>salt</span>"],
    ["an id rule", "<style>#s { font-size: 0 }</style><div id=s>salt</div>"],
    ["a descendant rule", "<style>div .d{display:none}</style><div><p class=d>salt</p></div>"],
    ["a descendant rule two levels down", "<style>.w span{visibility:hidden}</style><div class=w><p><span>salt</span></p></div>"],
    ["a child rule", "<style>div > span{font-size:0}</style><div><span>salt</span></div>"],
    ["a compound of two classes", "<style>span.a.b{opacity:0}</style><span class='b a'>salt</span>"],
    ["a chain with an id and a tag", "<style>#box td .h{display:none}</style><table id=box><tr><td><b class=h>salt</b></td></tr></table>"],
    ["an attribute presence rule", "<style>[data-s]{display:none}</style><span data-s>salt</span>"],
    ["an attribute rule with a value, quoted", `<style>span[data-k="a b"]{display:none}</style><span data-k="a b">salt</span>`],
    ["an attribute prefix rule, not quoted", "<style>span[title^=s]{font-size:0}</style><span title=s91x>salt</span>"],
    ["an attribute suffix rule", "<style>[title$='x']{opacity:0}</style><span title=s91x>salt</span>"],
    ["an attribute substring rule", "<style>[title*=91]{display:none}</style><span title=s91x>salt</span>"],
    ["an attribute word rule", "<style>[rel~=pad]{display:none}</style><span rel='a pad b'>salt</span>"],
    ["an attribute dash rule", "<style>[lang|=zz]{display:none}</style><span lang=zz-q>salt</span>"],
    ["an attribute rule with the i flag", "<style>[data-k=ABC i]{display:none}</style><span data-k=abc>salt</span>"],
    ["an attribute rule on a class", "<style>div[class~=w] span{display:none}</style><div class='v w'><span>salt</span></div>"],
    ["an attribute rule on an ancestor", "<style>[data-w] span{display:none}</style><div data-w><p><span>salt</span></p></div>"],
    ["an attribute rule with an entity in the value", "<style>[title=salt]{display:none}</style><span title='s&#97;lt'>salt</span>"],
    ["the universal selector under a class", "<style>.w *{display:none}</style><div class=w><p>salt</p></div>"],
    ["the universal selector with a child combinator", "<style>div > *{display:none}</style><div><b>salt</b></div>"],
    ["the universal selector with an attribute", "<style>*[data-s]{visibility:hidden}</style><b data-s=1>salt</b>"],
    [":first-child", "<style>.w span:first-child{display:none}</style><div class=w><span>salt</span><span></span></div>"],
    [":nth-child(2n+1), the odd ones", "<style>.w i:nth-child(2n+1){display:none}</style><div class=w><i>salt</i><b></b><i>salt</i></div>"],
    [":nth-child(even)", "<style>.w span:nth-child(even){display:none}</style><div class=w><br><span>salt</span></div>"],
    [":nth-child(3)", "<style>div p:nth-child(3){display:none}</style><div><br><br><p>salt</p></div>"],
    [":nth-child(-n+2), the first two", "<style>div > p:nth-child(-n+2){display:none}</style><div><p>salt</p><p>salt</p></div>"],
    [":first-of-type", "<style>div span:first-of-type{display:none}</style><div><b></b><span>salt</span></div>"],
    [":nth-of-type(2)", "<style>span:nth-of-type(2){font-size:0}</style><div><span></span><b></b><span>salt</span></div>"],
    [":not(.keep)", "<style>.w span:not(.keep){display:none}</style><div class=w><span class=drop>salt</span></div>"],
    [":not() with an attribute inside", "<style>span:not([data-k]){display:none}</style><span>salt</span>"],
    [":nth-child on an ancestor", "<style>li:nth-child(2) b{display:none}</style><ul><li></li><li><b>salt</b></li></ul>"],
    [":last-child", "<style>.w span:last-child{display:none}</style><div class=w><span></span><span>salt</span></div>"],
    [":last-child of a list whose items close by implication", "<style>li:last-child{display:none}</style><ul><li><li>salt</ul>"],
    [":last-child of an element its parent's end tag closes", "<style>p span:last-child{display:none}</style><div><p><span></span><span>salt</div>"],
    [":only-child", "<style>div > b:only-child{font-size:0}</style><div><b>salt</b></div>"],
    [":nth-last-child(2)", "<style>p:nth-last-child(2){display:none}</style><div><p>salt</p><i></i></div>"],
    [":nth-last-child(-n+2), the last two", "<style>.w > i:nth-last-child(-n+2){display:none}</style><div class=w><i>salt</i><i>salt</i></div>"],
    [":last-of-type", "<style>span:last-of-type{display:none}</style><div><span></span><span>salt</span><b></b></div>"],
    [":only-of-type", "<style>.w span:only-of-type{opacity:0}</style><div class=w><b></b><span>salt</span><b></b></div>"],
    [":nth-last-of-type(odd)", "<style>u:nth-last-of-type(odd){display:none}</style><div><u>salt</u><b></b><u></u><u>salt</u></div>"],
    [":not(:last-child)", "<style>.w > p:not(:last-child){display:none}</style><div class=w><p>salt</p><p></p></div>"],
    [":last-child on an ancestor", "<style>div:last-child b{display:none}</style><section><p></p><div><b>salt</b></div></section>"],
    [":empty before the salt", "<style>i:empty + span{display:none}</style><div><i></i><span>salt</span></div>"],
    [":empty of an element holding a comment", "<style>i:empty + span{display:none}</style><div><i><!-- c --></i><span>salt</span></div>"],
    [":empty of a void element", "<style>br:empty ~ span{display:none}</style><div><br><span>salt</span></div>"],
    [":not(:empty)", "<style>.w span:not(:empty){display:none}</style><div class=w><span>salt</span></div>"],
    [":is() of classes", "<style>:is(.a, .b) span{display:none}</style><div class=b><span>salt</span></div>"],
    [":is() on the element", "<style>span:is([data-s], .x){display:none}</style><span data-s>salt</span>"],
    [":where()", "<style>:where(div.w) > :where(p){display:none}</style><div class=w><p>salt</p></div>"],
    [":is() holding :last-child", "<style>li:is(:last-child, .z){display:none}</style><ul><li></li><li>salt</li></ul>"],
    [":has() of a child", "<style>div:has(> b.s){display:none}</style><div><b class=s></b>salt</div>"],
    [":has() of a descendant", "<style>div:has(u[data-k]){display:none}</style><div><p><u data-k></u></p>salt</div>"],
    [":has() of the next sibling", "<style>i:has(+ b){display:none}</style><div><i>salt</i><b></b></div>"],
    [":has() of a later sibling", "<style>i:has(~ b.s){display:none}</style><div><i>salt</i><u></u><b class=s></b></div>"],
    [":is() forgiving a part it cannot read", "<style>:is(.x, :hover, a b) span{display:none}</style><div class=x><span>salt</span></div>"],
    [":has() on an ancestor", "<style>div:has(> .s) span{display:none}</style><div><i class=s></i><p><span>salt</span></p></div>"],
    ["an adjacent sibling rule", "<style>p + span{display:none}</style><div><p></p><span>salt</span></div>"],
    ["a general sibling rule", "<style>p.m ~ span{display:none}</style><div><p class=m></p><i></i><span>salt</span></div>"],
    ["a sibling rule in a chain", "<style>.w > h1 ~ span{display:none}</style><div class=w><h1></h1><b></b><span>salt</span></div>"],
    [":not() of a list, in a selector list", "<style>span:not(.a, .b), .z{display:none}</style><span class=c>salt</span>"],
    ["an attribute value holding a combinator and a comma", `<style>[title="a > b, c"]{display:none}</style><b title="a > b, c">salt</b>`],
    ["a tag.class rule under @media screen", "<style>@media screen { span.z{opacity:0} }</style><span class=z>salt</span>"],
    ["a rule under @media (min-width:1px)", "<style>@media (min-width:1px) { .m1{display:none} }</style><span class=m1>salt</span>"],
    ["a rule under @media screen and (min-width:0)", "<style>@media screen and (min-width:0) { .m2{display:none} }</style><span class=m2>salt</span>"],
    ["a rule under @media not print", "<style>@media not print { .m4{display:none} }</style><span class=m4>salt</span>"],
    ["a rule under @supports (display:none)", "<style>@supports (display:none) { .m3{display:none} }</style><span class=m3>salt</span>"],
    ["a rule under @layer x", "<style>@layer x { .l1{display:none} }</style><span class=l1>salt</span>"],
    ["a rule under a desktop-width range query", "<style>@media (600px <= width <= 1000px) { .r{display:none} }</style><p class=r>salt</p>"],
    ["@media inside @supports inside @layer", "<style>@layer a { @supports (color:red) { @media screen { .n{display:none} } } }</style><b class=n>salt</b>"],
    ["a rule after an @import statement", "<style>@import url(x.css); .i{display:none}</style><b class=i>salt</b>"],
    // Old mail wraps its style sheet in <!-- -->, which CSS ignores at the top level (CDO and CDC tokens).
    ["the first rule of a sheet wrapped in <!-- -->", "<style><!-- .i{display:none} --></style><b class=i>salt</b>"],
    ["a rule after <!-- and -->", "<style><!-- p{color:red} --> <!-- .i{display:none} --></style><b class=i>salt</b>"],
    ["a rule in a style block after the text", "<span class=late>salt</span><style>.late{visibility:hidden}</style>"],
    ["an !important rule beats the style attribute", "<style>.q{display:none!important}</style><p class=q style='display:block'>salt</p>"],
    ["nested inside a hidden element", '<div style="display:none"><p><b>deep</b> salt</p></div>'],
    ["hidden image alt and link", '<div hidden><img alt="salt" src="http://i.example.com/x.gif"><a href="http://s.example.org">salt</a></div>'],
  ]; // prettier-ignore
  testHiddenCases(hidden);
});

void describe("htmlToText: what a reader sees stays", () => {
  const shown: [string, string, string][] = [
    ["visibility:visible inside visibility:hidden", '<div style="visibility:hidden">x <b style="visibility:visible">shown</b></div>', "shown"],
    ["a font size reset inside font-size:0", '<div style="font-size:0">x<span style="font-size:14px">shown</span></div>', "shown"],
    ["font-size:5px", '<span style="font-size:5px">shown</span>', "shown"],
    ["a colour reset inside white on white", '<td bgcolor=#fff><font color=#fff>x<span style="color:#333">shown</span></font></td>', "shown"],
    ["white on a background a rule with a descendant selector declares", '<style>.dark td{background:#000}</style><table class=dark><tr><td><span style="color:#fff">shown</span></td></tr></table>', "shown"],
    ["white on a background of var()", '<div style="background:var(--bg, #000)"><span style="color:#fff">shown</span></div>', "shown"],
    ["white on a background-color of hsl()", '<div style="background-color:hsl(0,0%,0%)"><font color="#ffffff">shown</font></div>', "shown"],
    ["yellow on a body's black inside pre (the browser styles the body)", '<html><pre><body bgcolor="#000000"><font color="#ffff00">shown</font></body></html>', "shown"],
    ["a second body inside pre does not restyle it (a browser keeps the first's)", '<pre><body bgcolor="#000"><body bgcolor="#ff0"><font color="#ff0">shown</font></pre>', "shown"],
    ["red on grey: as dim by luminance, shown by its hue", '<td bgcolor="#808080"><font color="red">shown</font></td>', "shown"],
    ["red on green: likewise", '<td bgcolor="#008000"><font color="#ff0000">shown</font></td>', "shown"],
    ["a light grey footer on white (1.6 to 1)", '<td bgcolor="#ffffff"><span style="color:#cccccc">shown</span></td>', "shown"],
    ["white on a background image", '<td background="x.jpg" style="color:#fff">shown</td>', "shown"],
    ["a zero height that does not clip", '<div style="height:0">shown</div>', "shown"],
    ["an absolute position on the page", '<div style="position:absolute;left:10px">shown</div>', "shown"],
    ["the style attribute overrides a class", "<style>.h{display:none}</style><p class=h style=display:block>shown</p>", "shown"],
    ["a style element written in an attribute value is no style sheet", '<a title="<style>p{display:none}</style>">x</a><p>shown</p>', "x shown"],
    ["nor one in a single-quoted value", "<img alt='<style>p{display:none}</style>'><p>shown</p>", "<style>p{display:none}</style> shown"],
    ["a rule under a width media query is not applied", "<style>@media (max-width:600px){.m{display:none}}</style><p class=m>shown</p>", "shown"],
    ["a rule under @media only screen and (max-width:600px) is the phone's", "<style>.mobile{display:none} @media only screen and (max-width:600px){ .desktop{display:none} .mobile{display:block !important} }</style><p class=desktop>shown</p><p class=mobile>phone</p>", "shown"],
    ["a rule under @media print is not applied", "<style>@media print { .p{display:none} }</style><p class=p>shown</p>", "shown"],
    ["a rule under (prefers-color-scheme: dark) is not applied", "<style>@media (prefers-color-scheme: dark) { .light{display:none} }</style><p class=light>shown</p>", "shown"],
    ["a rule under @container is not applied", "<style>@container (max-width:400px) { .c{display:none} }</style><p class=c>shown</p>", "shown"],
    ["a phone's block inside @supports is not applied", "<style>@supports (display:grid) { @media (max-width:600px) { .d{display:none} } }</style><p class=d>shown</p>", "shown"],
    ["a style block in a comment is not applied", "<!-- <style>.c{display:none}</style> --><p class=c>shown</p>", "shown"],
    ["a descendant rule outside its ancestor", "<style>div .d{display:none}</style><p class=d>shown</p>", "shown"],
    ["a child rule on a grandchild", "<style>div > span{display:none}</style><div><p><span>shown</span></p></div>", "shown"],
    ["an attribute rule of another value", "<style>[data-h=a]{display:none}</style><p data-h=b>shown</p>", "shown"],
    ["an attribute rule of another name", "<style>[data-h]{display:none}</style><p data-g>shown</p>", "shown"],
    ["an attribute value is case-sensitive without the i flag", "<style>[title=ABC]{display:none}</style><p title=abc>shown</p>", "shown"],
    ["a prefix rule on a value that only contains it", "<style>[title^=s]{display:none}</style><p title=xs>shown</p>", "shown"],
    ["an attribute rule on an ancestor the element is not in", "<style>[data-w] span{display:none}</style><div data-w></div><span>shown</span>", "shown"],
    ["the universal selector under a class the element is not in", "<style>.w *{display:none}</style><div class=v><p>shown</p></div>", "shown"],
    [":not() of a list on an element of the list", "<style>span:not(.a, .b){display:none}</style><span class=b>shown</span>", "shown"],
    [":first-child after a script: it is a child too", "<style>div > p:first-child{display:none}</style><div><script>1</script><p>shown</p></div>", "shown"],
    ["the body's position is not known: a position rule is not applied to it", "<html><body><style>body:first-child{display:none}</style><p>shown</p></body></html>", "shown"],
    [":first-child on a second child", "<style>span:first-child{display:none}</style><div><b></b><span>shown</span></div>", "shown"],
    [":nth-child(2n) on an odd child", "<style>.w span:nth-child(2n){display:none}</style><div class=w><span>shown</span></div>", "shown"],
    [":nth-of-type(2) on the first of its type", "<style>span:nth-of-type(2){display:none}</style><div><b></b><b></b><span>shown</span></div>", "shown"],
    [":not(.keep) on a kept element", "<style>span:not(.keep){display:none}</style><span class=keep>shown</span>", "shown"],
    ["an adjacent sibling rule with an element between", "<style>p + span{display:none}</style><div><p></p><i></i><span>shown</span></div>", "shown"],
    ["a sibling rule on an earlier sibling", "<style>p ~ span{display:none}</style><div><span>shown</span><p></p></div>", "shown"],
    ["a sibling rule across parents", "<style>p ~ span{display:none}</style><div><p></p></div><div><span>shown</span></div>", "shown"],
    [":hover is not applied: a reader sees the text until pointing at it", "<style>span:hover{display:none}</style><span>shown</span>", "shown"],
    [":focus, :active, :visited and :checked are not applied", "<style>a:visited, a:focus, a:active, input:checked + span{display:none}</style><a>shown</a>", "shown"],
    ["::before is not applied to the element", "<style>p::before, p:after{display:none}</style><p>shown</p>", "shown"],
    [":last-child on an element that is not last", "<style>span:last-child{display:none}</style><div><span>shown</span><b></b></div>", "shown"],
    [":last-child when text follows: only elements count", "<style>li:last-child{display:none}</style><ul><li>one</li><li>two</li></ul><p>three</p>", "one three"],
    [":only-child with a sibling", "<style>p:only-child{display:none}</style><div><p>shown</p><br></div>", "shown"],
    [":nth-last-child(2) on the last", "<style>p:nth-last-child(2){display:none}</style><div><b></b><p>shown</p></div>", "shown"],
    [":last-of-type with one of its type after", "<style>p:last-of-type{display:none}</style><div><p>shown</p><b></b><p></p></div>", "shown"],
    [":only-of-type with two of its type", "<style>p:only-of-type{display:none}</style><div><p>shown</p><p>too</p></div>", "shown too"],
    [":empty before an element that holds a space", "<style>i:empty + span{display:none}</style><div><i> </i><span>shown</span></div>", "shown"],
    [":empty of an element holding an element", "<style>i:empty + span{display:none}</style><div><i><b></b></i><span>shown</span></div>", "shown"],
    [":not(:last-child) on the last", "<style>p:not(:last-child){display:none}</style><div><p>shown</p></div>", "shown"],
    [":last-child of a list closed by an outer end tag", "<style>li:last-child{display:none}</style><ul><li>one<li>two</ul><ul><li>x</li><li>three</li></ul>", "one x"],
    [":is() of classes the element's ancestors lack", "<style>:is(.a, .b) span{display:none}</style><div class=c><span>shown</span></div>", "shown"],
    [":is() of :hover matches by its other parts only", "<style>span:is(:hover, .x){display:none}</style><span class=y>shown</span>", "shown"],
    [":is() of only parts it cannot read is not applied", "<style>span:is(:hover, :focus){display:none}</style><span>shown</span>", "shown"],
    [":where() weighs nothing: a later tag rule wins", "<style>:where(div) > span{display:none} span{display:inline}</style><div><span>shown</span></div>", "shown"],
    [":has() of a child that is a grandchild", "<style>div:has(> b){display:none}</style><div><p><b></b></p>shown</div>", "shown"],
    [":has() of a descendant in a sibling", "<style>div:has(b){display:none}</style><div>shown</div><div><b></b></div>", "shown"],
    [":has() of the next sibling two along", "<style>i:has(+ b){display:none}</style><div><i>shown</i><u></u><b></b></div>", "shown"],
    [":has() of a later sibling before it", "<style>i:has(~ b){display:none}</style><div><b></b><i>shown</i></div>", "shown"],
    [":has() of a later sibling in another parent", "<style>i:has(~ b){display:none}</style><div><i>shown</i></div><b></b>", "shown"],
    [":not() of a part it cannot read is not applied", "<style>span:not(.x, :hover){display:none}</style><span>shown</span>", "shown"],
    [":has() of a chain is not applied", "<style>div:has(> p > b){display:none}</style><div><p><b></b></p>shown</div>", "shown"],
    [":not() holding what is not applied is not applied", "<style>span:not(:hover){display:none}</style><span>shown</span>", "shown"],
    ["a compound needs every class", "<style>.a.b{display:none}</style><span class=a>shown</span>", "shown"],
    ["a rule of five compounds is not applied", "<style>a b c d e{display:none}</style><a><b><c><d><e>shown</e></d></c></b></a>", "shown"],
    ["a block closes an open p", '<p style="display:none">x<div>shown</div>', "shown"],
    ["a new list item closes the hidden one", '<ul><li style="display:none">x<li>shown</ul>', "shown"],
    ["a new cell closes the hidden one", '<table><tr><td style="display:none">x<td>shown</table>', "shown"],
    ["an end tag closes what was opened inside", '<div><span style="display:none">x</div>shown', "shown"],
    ["an end tag does not close through a cell", '<div style="display:none"><table><tr><td></div>x</td></tr></table></div>shown', "shown"],
  ]; // prettier-ignore
  testShownCases(shown);

  void test("the body's colours are every element's", () => {
    assert.equal(
      visibleWords('<body bgcolor="#000000" text="#000000">salt <p style="color:#ff0">shown</p></body>'),
      "shown",
    );
  });

  void test("stats count what was shown and what was hidden", () => {
    const stats: HtmlTextStats = { visibleChars: 0, hiddenChars: 0, hiddenSinceVersionTwo: 0 };
    htmlToText('<p>12345</p><p style="display:none">abcdefghij</p>', undefined, { stats });
    assert.deepEqual(stats, { visibleChars: 5, hiddenChars: 10, hiddenSinceVersionTwo: 0 });
    // Text only the current rules hide (yellow on white) is counted apart: version 2's keys read it.
    htmlToText('<body bgcolor="#ffffff"><font color="#ffff00">klmno</font></body>', undefined, { stats });
    assert.deepEqual(stats, { visibleChars: 5, hiddenChars: 15, hiddenSinceVersionTwo: 5 });
  });

  void test("markHidden writes hidden text between markers", () => {
    const text = htmlToText('shown <span style="display:none">salt</span> too', undefined, { markHidden: true });
    assert.equal(text, `shown ${HIDDEN_OPEN}salt${HIDDEN_CLOSE} too`);
  });
});

void describe("colours", () => {
  for (const [value, expected] of [
    ["#fff", 0xffffff],
    ["#FFFFFF", 0xffffff],
    ["white", 0xffffff],
    ["rgb(255, 255, 255)", 0xffffff],
    ["rgb(100% 100% 100%)", 0xffffff],
    ["rgba(1,2,3,0)", TRANSPARENT],
    ["#0000", TRANSPARENT],
    ["transparent", TRANSPARENT],
    ["hsl(0, 0%, 100%)", 0xffffff],
    ["currentcolor", null],
  ] as const) {
    void test(`${value}`, () => assert.equal(parseColour(value), expected));
  }
  void test("text lost on its background: channels within a few steps, or a contrast under 1.3 no hue makes up for", () => {
    assert.ok(invisibleOn(0xffffff, 0xf4f4f4));
    assert.ok(invisibleOn(0xeeeeee, 0xffffff), "1.16 to 1");
    assert.ok(invisibleOn(0xffff00, 0xffffff), "yellow on white, 1.07 to 1: blue differs by 255");
    assert.ok(invisibleOn(0x0c0c0c, 0x000000), "near-black on black");
    assert.ok(invisibleOn(0xe2e2e2, 0xffffff), "1.296 to 1");
    assert.ok(!invisibleOn(0xe1e1e1, 0xffffff), "1.307 to 1");
    assert.ok(!invisibleOn(0xff0000, 0x008000), "red on green, 1.29 to 1, sums 383");
    assert.ok(!invisibleOn(0xff0000, 0x808080), "red on grey, 1.01 to 1, sums 383: its hue shows it");
    assert.ok(!invisibleOn(0x333333, 0xffffff));
    assert.ok(!invisibleOn(0xffffff, -1), "no declared background: not compared");
  });
});

void describe("htmlToText on hostile markup stays linear", () => {
  const cases: [string, string][] = [
    ["100,000 nested hidden spans", '<span style="display:none">'.repeat(100_000) + "x"],
    ["100,000 unclosed paragraphs in a cell", "<p><table><tr><td>" + "<div>".repeat(100_000) + "x"],
    ["100,000 end tags of open elements", "<b>".repeat(50_000) + "</i></b>".repeat(50_000)],
    ["a 1 MB stylesheet", `<style>${".a{display:none}".repeat(70_000)}</style><p class=a>x`],
    ["a tag with 100,000 attributes", `<p ${"a=1 ".repeat(100_000)}>x`],
    ["an element with 100,000 classes", `<style>.a{color:red}</style><p class="${"a ".repeat(100_000)}">x`],
    ["100,000 list items", "<ul>" + "<li>x".repeat(100_000)],
    [
      "1,024 rules of attribute selectors, pseudo-classes and siblings on 50,000 elements",
      `<style>${"div[data-a*=x] > b:nth-child(2n+1):not([title$=y]) + i{display:none}".repeat(1024)}</style>` +
        "<div data-a=xx><b title=zy></b><i>x</i></div>".repeat(50_000),
    ],
    [
      "100,000 siblings under sibling rules",
      "<style>p ~ b, p + b{color:red}</style><div>" + "<p></p><b>x</b>".repeat(100_000),
    ],
    [
      "100,000 list items under :last-child, :empty and :has() rules",
      "<style>li:last-child, li:empty + li, ul:has(> li.z) li:nth-last-child(2n){display:none}</style><ul>" +
        "<li>x</li>".repeat(100_000),
    ],
    [
      "100,000 nested elements under :last-child and :has()",
      "<style>b:last-child i, b:has(i){color:red}</style>" + "<b><i>x</i>".repeat(100_000),
    ],
    [
      "100,000 nested elements under a rule of *",
      "<style>.w * b:first-child{color:red}</style><div class=w>" + "<b>".repeat(100_000) + "x",
    ],
  ];
  for (const [name, html] of cases) {
    void test(name, () => {
      // a quadratic step would take minutes on these; the whole table takes well under a second when linear
      const text = htmlToText(html);
      assert.equal(typeof text, "string");
    });
  }
});
